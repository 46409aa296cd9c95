package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"samspill/models"
)

// Both CSV downloads (the inbox export and the board's report) are written by
// csvWriter: a byte order mark, semicolons, and no cell a spreadsheet would run.
func TestCSVWriter(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := newCSVWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"Referanse", "Navn", "Beløp"},
		{"=SUM(A1:A9)", "+47 900 00 000", "-5"},
		{"@bruker", "\tinnrykk", "Ålesund; Ørsta"},
		{"Kari,=cmd|' /C calc'!A0", `Si "hei"`, "Hei,=1+1"},
	}
	for _, r := range rows {
		if err := w.Write(append([]string(nil), r...)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeff") {
		t.Fatalf("no byte order mark: %q", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	r.Comma = ';'
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Referanse", "Navn", "Beløp"},
		{"'=SUM(A1:A9)", "'+47 900 00 000", "'-5"},
		{"'@bruker", "'\tinnrykk", "Ålesund; Ørsta"},
		{"Kari,=cmd|' /C calc'!A0", `Si "hei"`, "Hei,=1+1"},
	}
	// Every cell is in quotes: a reader whose list separator is the comma
	// does not split "Kari,=cmd…" into a name and a formula.
	if want := "\"Kari,=cmd|' /C calc'!A0\";\"Si \"\"hei\"\"\";\"Hei,=1+1\"\r\n"; !strings.HasSuffix(out, want) {
		t.Errorf("the last row is written %q; want %q", out[strings.LastIndex(strings.TrimSuffix(out, "\r\n"), "\r\n")+2:], want)
	}

	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d = %q; want %q", i, j, got[i][j], want[i][j])
			}
		}
	}

	// A failed write shows at the latest at Flush.
	w, err = newCSVWriter(&failAfter{n: 3})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write([]string{"a long enough cell to reach the writer"})
	if err := w.Flush(); err == nil {
		t.Error("Flush reported no error from a failing writer")
	}
}

// failAfter accepts n bytes and then fails.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// The downloads speak the reader's language: the workbook's sheet is not
// Excel's English "Sheet1", and the files are named in the reader's words.
func TestExportNamesInReadersLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	cases := []struct{ lang, sheet, csv, xlsx, report string }{
		{"nb", "Henvendelser", "henvendelser.csv", "henvendelser.xlsx", "henvisninger.csv"},
		{"en", "Enquiries", "enquiries.csv", "enquiries.xlsx", "referrals.csv"},
	}
	for _, tc := range cases {
		c := ts.client(t)
		c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
		c.post("/language", url.Values{"lang": {tc.lang}, "back": {"/dashboard"}})
		res, body := c.get("/enquiries/export.xlsx")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: export = %d", tc.lang, res.StatusCode)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if name := f.GetSheetName(0); name != tc.sheet {
			t.Errorf("%s: the workbook's sheet is %q; want %q", tc.lang, name, tc.sheet)
		}
		f.Close()
		for path, want := range map[string]string{"/enquiries/export.xlsx": tc.xlsx, "/enquiries/export.csv": tc.csv, "/reports/referrals.csv": tc.report} {
			res, _ := c.get(path)
			if got := res.Header.Get("Content-Disposition"); got != `attachment; filename=`+want {
				t.Errorf("%s: %s is sent as %q; want the file %s", tc.lang, path, got, want)
			}
		}
	}
}
