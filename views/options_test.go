package views

import (
	"fmt"
	"html/template"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestOptionTags checks that a select's options, drawn in Go, reach the
// browser exactly as given: quotes, angle brackets and ampersands in values
// and labels are escaped, not interpreted, and only the selected one is.
func TestOptionTags(t *testing.T) {
	t.Parallel()
	in := []Option{
		{Value: "", Label: "Velg"},
		{Value: `a"b' onfocus=x`, Label: `<script>alert(1)</script>`},
		{Value: "3403", Label: "Hamar & omegn", Selected: true},
		{Value: "ø<", Label: "Nord-Odal \u00a0 Øst"},
	}
	src := "<select>" + string(optionTags(in)) + "</select>"
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil || len(nodes) != 1 {
		t.Fatalf("parse %q: %v (%d nodes)", src, err, len(nodes))
	}
	var got []Option
	for n := nodes[0].FirstChild; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode || n.Data != "option" {
			t.Fatalf("unexpected node %q in %q", n.Data, src)
		}
		o := Option{}
		for _, a := range n.Attr {
			switch a.Key {
			case "value":
				o.Value = a.Val
			case "selected":
				o.Selected = true
			default:
				t.Errorf("unexpected attribute %s=%q in %q", a.Key, a.Val, src)
			}
		}
		if c := n.FirstChild; c != nil {
			if c.Type != html.TextNode || c.NextSibling != nil {
				t.Fatalf("option %q holds more than text: %q", o.Value, src)
			}
			o.Label = c.Data
		}
		got = append(got, o)
	}
	if len(got) != len(in) {
		t.Fatalf("%d options; want %d: %q", len(got), len(in), src)
	}
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("option %d = %+v; want %+v", i, got[i], in[i])
		}
	}
}

// TestChoiceTags checks that radio buttons and checkboxes drawn in Go are the
// ones the template drew before: the same elements, attributes and labels,
// escaped the same way, for a group with and without an error.
func TestChoiceTags(t *testing.T) {
	t.Parallel()
	// The template's loop as it was, the reference.
	ref := template.Must(template.New("ref").Parse(`{{$f := .}}{{range $i, $o := .Options}}<div class="ds-field">
    <input class="ds-input" type="{{if eq $f.Kind "radios"}}radio{{else}}checkbox{{end}}" id="f-{{$f.Name}}-{{$i}}" name="{{$f.Name}}" value="{{$o.Value}}"{{if $o.Selected}} checked{{end}}{{if $f.Error}} aria-invalid="true" aria-describedby="f-{{$f.Name}}-error"{{end}}>
    <label class="ds-label" data-weight="regular" for="f-{{$f.Name}}-{{$i}}">{{$o.Label}}</label>
  </div>{{end}}`))
	options := []Option{
		{Value: "financing", Label: "Finansiering og tilskudd", Selected: true},
		{Value: `a"b' onfocus=x`, Label: `<script>alert(1)</script>`},
		{Value: "x&y+z", Label: "Nord-Odal & Øst", Selected: true},
	}
	tests := []struct {
		name string
		f    Field
	}{
		{"checkboxes", Field{Name: "needs", Kind: "checkboxes", Options: options}},
		{"radios with an error", Field{Name: "enquirer_kind", Kind: "radios", Options: options, Error: "Velg et av alternativene."}},
		{"no options", Field{Name: "founder", Kind: "radios"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want strings.Builder
			if err := ref.Execute(&want, tt.f); err != nil {
				t.Fatal(err)
			}
			if got, want := domOf(t, string(choiceTags(tt.f))), domOf(t, want.String()); got != want {
				t.Errorf("drawn in Go:\n%s\nwant, as the template drew:\n%s", got, want)
			}
		})
	}
}

// domOf is an HTML fragment as a browser reads it: each element with its
// attributes in order, and text, one per line.
func domOf(t *testing.T, src string) string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	var b strings.Builder
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		switch n.Type {
		case html.ElementNode:
			fmt.Fprintf(&b, "%s<%s", strings.Repeat(" ", depth), n.Data)
			for _, a := range n.Attr {
				fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
			}
			b.WriteString(">\n")
		case html.TextNode:
			if strings.TrimSpace(n.Data) != "" {
				fmt.Fprintf(&b, "%s%q\n", strings.Repeat(" ", depth), n.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	for _, n := range nodes {
		walk(n, 0)
	}
	return b.String()
}
