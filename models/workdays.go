package models

import (
	"time"
	_ "time/tzdata" // Norway's time zone in the binary: a machine without tzdata must not count days in another
)

// Oslo is the time zone that decides which day it is: deadlines, working days,
// dates kept and shown.
var Oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic("the embedded time zone data has no Europe/Oslo: " + err.Error())
	}
	return loc
}()

// Easter returns Easter Sunday of year in the Gregorian calendar (the anonymous
// Gregorian algorithm, also known as Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// Holidays returns Norway's public holidays of year (helligdager and 1 and 17 May),
// as dates at midnight UTC.
func Holidays(year int) []time.Time {
	easter := Easter(year)
	date := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	return []time.Time{
		date(time.January, 1),    // første nyttårsdag
		easter.AddDate(0, 0, -3), // skjærtorsdag
		easter.AddDate(0, 0, -2), // langfredag
		easter.AddDate(0, 0, 1),  // andre påskedag
		date(time.May, 1),        // arbeidernes dag
		date(time.May, 17),       // grunnlovsdag
		easter.AddDate(0, 0, 39), // Kristi himmelfartsdag
		easter.AddDate(0, 0, 50), // andre pinsedag
		date(time.December, 25),  // første juledag
		date(time.December, 26),  // andre juledag
	}
}

// IsWorkingDay reports whether the calendar day of t (in Oslo) is Monday to
// Friday and not a public holiday.
func IsWorkingDay(t time.Time) bool {
	t = t.In(Oslo)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for _, h := range Holidays(t.Year()) {
		if h.Equal(day) {
			return false
		}
	}
	return true
}

// AddWorkingDays returns the end (23:59:59 Oslo time) of the n-th working day
// after the day of t. A target of 2 working days for an enquiry received on a
// Friday is the end of Tuesday.
func AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(Oslo)
	d = time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, Oslo) // noon: immune to DST shifts
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if IsWorkingDay(d) {
			n--
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, Oslo).UTC()
}

// WorkingDaysBetween counts the working days after the day of from up to and
// including the day of to: 0 when both are on the same day.
func WorkingDaysBetween(from, to time.Time) int {
	f, t := from.In(Oslo), to.In(Oslo)
	d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, Oslo)
	end := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, Oslo)
	n := 0
	for d.Before(end) {
		d = d.AddDate(0, 0, 1)
		if IsWorkingDay(d) {
			n++
		}
	}
	return n
}
