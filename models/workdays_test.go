package models

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	t.Parallel()
	tests := map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25"}
	for year, want := range tests {
		if got := Easter(year).Format("2006-01-02"); got != want {
			t.Errorf("Easter(%d) = %s; want %s", year, got, want)
		}
	}
}

func TestHolidays(t *testing.T) {
	t.Parallel()
	want := map[int][]string{
		2025: {"2025-01-01", "2025-04-17", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-17", "2025-05-29", "2025-06-09", "2025-12-25", "2025-12-26"},
		2026: {"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-17", "2026-05-14", "2026-05-25", "2026-12-25", "2026-12-26"},
		2027: {"2027-01-01", "2027-03-25", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-17", "2027-05-06", "2027-05-17", "2027-12-25", "2027-12-26"},
	}
	for year, days := range want {
		got := map[string]bool{}
		for _, h := range Holidays(year) {
			got[h.Format("2006-01-02")] = true
		}
		for _, d := range days {
			if !got[d] {
				t.Errorf("%d: %s is not a holiday", year, d)
			}
		}
	}
	// Whit Monday 2027 falls on 17 May: both are the same day, not two.
	if n := len(Holidays(2027)); n != 10 {
		t.Errorf("Holidays(2027) has %d entries; want 10", n)
	}
}

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Oslo)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-27 09:00", 2, "2026-12-01"}, // Friday + 2 = Tuesday
		{"2026-11-28 14:00", 1, "2026-11-30"}, // Saturday + 1 = Monday
		{"2026-04-01 10:00", 1, "2026-04-07"}, // Wednesday before Easter: Thu, Fri, Mon are holidays
		{"2025-04-16 10:00", 2, "2025-04-23"}, // Easter 2025
		{"2027-03-24 10:00", 1, "2027-03-30"}, // Easter 2027
		{"2026-12-23 10:00", 2, "2026-12-28"}, // Christmas: 24 Thu works, 25–26 holidays, 27 Sun, 28 Mon
		{"2026-12-31 10:00", 1, "2027-01-04"}, // New Year's Day is a Friday
		{"2027-05-14 10:00", 1, "2027-05-18"}, // 17 May 2027 is Whit Monday too
		{"2026-05-13 23:30", 1, "2026-05-15"}, // Ascension Day 2026 is 14 May
		{"2026-03-28 10:00", 1, "2026-03-30"}, // over the change to summer time
	}
	for _, tt := range tests {
		got := AddWorkingDays(day(tt.from), tt.n).In(Oslo)
		if got.Format("2006-01-02") != tt.want || got.Hour() != 23 {
			t.Errorf("AddWorkingDays(%s, %d) = %s; want end of %s", tt.from, tt.n, got.Format("2006-01-02 15:04"), tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-11-27 09:00", "2026-11-27 15:00", 0},
		{"2026-11-27 09:00", "2026-11-30 08:00", 1},
		{"2026-04-01 09:00", "2026-04-07 09:00", 1},
		// After Wednesday 23 Dec 2026: 24 (Thu), 28, 29, 30, 31 Dec and Monday 4 Jan.
		{"2026-12-23 09:00", "2027-01-04 09:00", 6},
		{"2025-04-16 09:00", "2025-04-22 09:00", 1}, // Easter 2025: only Tuesday the 22nd
	}
	for _, tt := range tests {
		if got := WorkingDaysBetween(day(tt.from), day(tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d; want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestCheckOrgNumber(t *testing.T) {
	t.Parallel()
	for _, valid := range []string{"923609016", "984851006", "974760673"} {
		if msg := CheckOrgNumber(valid); msg != "" {
			t.Errorf("CheckOrgNumber(%s) = %s; want valid", valid, msg)
		}
		// Changing any one digit to any other digit breaks the check.
		for i := 0; i < 9; i++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == valid[i] {
					continue
				}
				b := []byte(valid)
				b[i] = d
				if CheckOrgNumber(string(b)) == "" {
					t.Errorf("CheckOrgNumber(%s) accepted a changed digit", b)
				}
			}
		}
	}
	tests := map[string]string{
		"":           "error.orgnr_length",
		"92360901":   "error.orgnr_length",
		"9236090160": "error.orgnr_length",
		"92360901A":  "error.orgnr_digits",
		"ABCDEFGHI":  "error.orgnr_digits",
		"923 60901":  "error.orgnr_digits",
	}
	for in, want := range tests {
		if got := CheckOrgNumber(in); got != want {
			t.Errorf("CheckOrgNumber(%q) = %q; want %q", in, got, want)
		}
	}
	if got := NormaliseOrgNumber(" 923 609 016 "); got != "923609016" {
		t.Errorf("NormaliseOrgNumber = %q", got)
	}
}

// A referral's follow-up date falls on a working day: the region's days
// ahead, moved on past a weekend or a public holiday (a follow-up on
// Christmas Day was due when nobody works).
func TestDefaultFollowUpIsAWorkingDay(t *testing.T) {
	t.Parallel()
	region := &Region{ReferralFollowUpDays: 14}
	for _, tt := range []struct {
		sent time.Time
		want string
	}{
		{time.Date(2026, 3, 4, 10, 0, 0, 0, Oslo), "2026-03-18"},   // a Wednesday: as it is
		{time.Date(2026, 3, 7, 10, 0, 0, 0, Oslo), "2026-03-23"},   // Saturday the 21st: Monday
		{time.Date(2026, 12, 11, 10, 0, 0, 0, Oslo), "2026-12-28"}, // Christmas Day, then a weekend and andre juledag
		{time.Date(2026, 3, 19, 23, 30, 0, 0, Oslo), "2026-04-07"}, // Thursday 2 April (skjærtorsdag) to Easter Monday: Tuesday
	} {
		got := defaultFollowUp(tt.sent.UTC(), region).In(Oslo)
		if got.Format("2006-01-02") != tt.want || got.Hour() != 23 {
			t.Errorf("sent %s: follow-up %s; want the end of %s", tt.sent.Format("Mon 2006-01-02"), got.Format("Mon 2006-01-02 15:04"), tt.want)
		}
	}
}
