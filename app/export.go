package app

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
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

// exportRows turns enquiries into translated text cells.
func exportRows(loc *views.Localizer, list []models.Enquiry, now time.Time) [][]string {
	rows := [][]string{}
	header := make([]string, len(exportColumns))
	for i, col := range exportColumns {
		header[i] = loc.T("export." + col)
	}
	rows = append(rows, header)
	for _, e := range list {
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
			stage = loc.T("stage." + e.Stage)
		}
		rows = append(rows, []string{
			e.Reference, e.ReceivedAt.In(models.Oslo).Format("2006-01-02 15:04"), loc.T("status." + e.Status), loc.T("channel." + e.Channel),
			e.Municipality.Name, loc.T("enquirer_kind." + e.EnquirerKind), strings.Join(needs, "; "),
			e.Name, e.Email, e.Phone, e.OrgNumber, e.BusinessName, stage, assignee, responded, overdue, outcome, e.Description,
		})
	}
	return rows
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

func (s *Server) exportData(c echo.Context) ([][]string, error) {
	v := viewer(c)
	list, err := s.store.EnquiriesForExport(c.Request().Context(), v, parseFilter(c))
	if err != nil {
		return nil, err
	}
	if err := s.store.RecordView(c.Request().Context(), actor(c), "enquiry", "export", fmt.Sprintf("rows=%d", len(list))); err != nil {
		return nil, err
	}
	return exportRows(s.localizer(c), list, s.store.Now()), nil
}

// exportCSV sends the filtered inbox as CSV (UTF-8 with a byte-order mark and
// semicolons, which Norwegian Excel opens as columns).
func (s *Server) exportCSV(c echo.Context) error {
	rows, err := s.exportData(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	for _, r := range rows {
		for i := range r {
			r[i] = neutralise(r[i])
		}
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="henvendelser.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// exportXLSX sends the filtered inbox as an Excel workbook. Every cell is
// written as text, so nothing in it is ever taken as a formula.
func (s *Server) exportXLSX(c echo.Context) error {
	rows, err := s.exportData(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = excelize.Cell{Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="henvendelser.xlsx"`)
	c.Response().Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
