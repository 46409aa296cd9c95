package views

import (
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
