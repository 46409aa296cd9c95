package app

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"samspill/models"
	"samspill/views"
)

// exportColumns are the columns of an enquiry export, with their header IDs.
var exportColumns = []string{"reference", "received_at", "status", "channel", "municipality", "enquirer_kind", "needs",
	"name", "email", "phone", "org_number", "business_name", "stage", "assigned_to", "first_response_at", "overdue", "outcome", "description"}

// exportHeader is the translated header row.
func exportHeader(loc *views.Localizer) []string {
	header := make([]string, len(exportColumns))
	for i, col := range exportColumns {
		header[i] = loc.T("export." + col)
	}
	return header
}

// exportRow turns an enquiry into translated text cells.
func exportRow(loc *views.Localizer, e *models.Enquiry, now time.Time) []string {
	needs := make([]string, 0, 3)
	for _, n := range e.NeedList() {
		needs = append(needs, loc.T("need."+n))
	}
	assignee, responded := "", ""
	if e.Assignee != nil {
		assignee = e.Assignee.Name
	}
	if e.FirstResponseAt != nil {
		responded = e.FirstResponseAt.In(models.Oslo).Format("2006-01-02 15:04")
	}
	overdue := loc.T("answer.no")
	if e.Overdue(now) {
		overdue = loc.T("answer.yes")
	}
	outcome := ""
	if e.Outcome != "" {
		outcome = loc.T("outcome." + e.Outcome)
	}
	stage := ""
	if e.Stage != "" {
		stage = loc.T("phase." + e.Stage)
	}
	return []string{
		e.Reference, e.ReceivedAt.In(models.Oslo).Format("2006-01-02 15:04"), loc.T("status." + e.Status), loc.T("channel." + e.Channel),
		e.Municipality.Name, loc.T("enquirer." + e.EnquirerKind), strings.Join(needs, "; "),
		e.Name, e.Email, e.Phone, e.OrgNumber, e.BusinessName, stage, assignee, responded, overdue, outcome, e.Description,
	}
}

// neutralise keeps a spreadsheet from running a cell as a formula: text that
// starts with = + - @ or a control character gets a leading apostrophe (OWASP's
// advice on CSV injection).
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvWriter writes Samspill's CSV files as spreadsheets in Norway open them: a
// UTF-8 byte order mark first (else Excel reads the file as Windows-1252),
// semicolons between cells (a Norwegian Excel's list separator, as the decimal
// separator is the comma), and every cell neutralised and in quotes. Quoted,
// a cell stays one cell whatever separator the reader's Excel splits on: with
// a comma as its list separator, "Kari,=cmd|…" written bare became two cells,
// the second a formula, and anyone may write that into the one door's form.
// (encoding/csv quotes only cells that hold the separator, a quote or a line
// break, and cannot be told to quote all.)
type csvWriter struct{ w *bufio.Writer }

func newCSVWriter(out io.Writer) (*csvWriter, error) {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return nil, err
	}
	return &csvWriter{w: bufio.NewWriter(out)}, nil
}

// Write writes one row, each cell neutralised and quoted, a quote in it
// doubled (RFC 4180), and the row ended with CRLF.
func (cw *csvWriter) Write(row []string) error {
	for i, cell := range row {
		if i > 0 {
			cw.w.WriteByte(';')
		}
		cw.w.WriteByte('"')
		cw.w.WriteString(strings.ReplaceAll(neutralise(cell), `"`, `""`))
		cw.w.WriteByte('"')
	}
	_, err := cw.w.WriteString("\r\n")
	return err // a bufio.Writer keeps its first error, so this is it
}

// Flush sends what is buffered and reports any error of the writes so far.
func (cw *csvWriter) Flush() error { return cw.w.Flush() }

// exportRows sends the header and then each enquiry of the filtered inbox to
// write, as they are read: an export of any size is never in memory as a
// whole. The view is audited, with the number of rows, before any is sent.
func (s *Server) exportRows(c echo.Context, write func([]string) error) error {
	ctx := c.Request().Context()
	q := newListQuery(c)
	v, f, loc, now := viewer(c), parseFilter(c, q), s.localizer(c), s.store.Now()
	if err := q.err(); err != nil { // a filter that cannot be used would export every enquiry
		return err
	}
	n, err := s.store.ExportCount(ctx, v, f)
	if err != nil {
		return err
	}
	if err := s.store.RecordView(ctx, actor(c), "enquiry", "export", fmt.Sprintf("rows=%d", n)); err != nil {
		return err
	}
	if err := write(exportHeader(loc)); err != nil {
		return err
	}
	_, err = s.store.ExportEnquiries(ctx, v, f, func(e *models.Enquiry) error { return write(exportRow(loc, e, now)) })
	return err
}

// exportFailed logs an export that broke off after its first bytes were sent:
// the status is gone, and the client sees a cut-off file.
func (s *Server) exportFailed(c echo.Context, err error) error {
	if !c.Response().Committed {
		return err
	}
	s.log.Error("export broke off", "route", c.Path(), "err", err)
	return nil
}

// exportCSV sends the filtered inbox as CSV (UTF-8 with a byte-order mark and
// semicolons, which Norwegian Excel opens as columns), streamed as it is read.
func (s *Server) exportCSV(c echo.Context) error {
	var w *csvWriter
	rows := 0
	err := s.exportRows(c, func(r []string) error {
		if w == nil {
			res := c.Response()
			res.Header().Set(echo.HeaderContentDisposition, attachment(s.localizer(c).T("export.file")+".csv"))
			res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			res.WriteHeader(http.StatusOK)
			var err error
			if w, err = newCSVWriter(res); err != nil {
				return err
			}
		}
		if err := w.Write(r); err != nil {
			return err
		}
		if rows++; rows%500 == 0 {
			return w.Flush()
		}
		return nil
	})
	if err == nil && w != nil {
		err = w.Flush()
	}
	if err != nil {
		return s.exportFailed(c, err)
	}
	return nil
}

// attachment is the Content-Disposition of a download named name, which the
// catalogue writes in plain a–z.
func attachment(name string) string {
	return mime.FormatMediaType("attachment", map[string]string{"filename": name})
}

// exportXLSX sends the filtered inbox as an Excel workbook. Every cell is
// written as text, so nothing in it is ever taken as a formula. Excelize's
// stream writer keeps the sheet on disk past a few megabytes, and the
// workbook is zipped straight into the response.
func (s *Server) exportXLSX(c echo.Context) error {
	loc := s.localizer(c)
	f := excelize.NewFile()
	defer f.Close()
	// The sheet is named in the reader's language, not Excel's "Sheet1".
	if err := f.SetSheetName(f.GetSheetName(0), loc.T("export.sheet")); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(loc.T("export.sheet"))
	if err != nil {
		return err
	}
	i := 0
	err = s.exportRows(c, func(r []string) error {
		i++
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = excelize.Cell{Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, i)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentDisposition, attachment(loc.T("export.file")+".xlsx"))
	res.Header().Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	res.WriteHeader(http.StatusOK)
	if _, err := f.WriteTo(res); err != nil {
		return s.exportFailed(c, err)
	}
	return nil
}
