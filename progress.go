package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"samspill/models"
)

// progressBar draws the generator's progress on a terminal: one line redrawn
// in place, at most ten times a second. When the output is not a terminal (a
// log file, CI) it writes a line at each tenth of a phase instead.
type progressBar struct {
	w        io.Writer
	terminal bool
	start    time.Time
	last     time.Time
	phase    string
	tenth    int64
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	return b
}

func (b *progressBar) update(p models.GenProgress) {
	now := time.Now()
	frac := 1.0
	if p.Total > 0 {
		frac = float64(p.Done) / float64(p.Total)
	}
	line := fmt.Sprintf("%-13s [%-30s] %3.0f%%  %d/%d  rows %s  %s", p.Phase, strings.Repeat("#", int(frac*30)), frac*100,
		p.Done, p.Total, humanCount(p.Rows), now.Sub(b.start).Round(time.Second))
	if !b.terminal {
		if p.Phase != b.phase {
			b.phase, b.tenth = p.Phase, -1
		}
		if t := int64(frac * 10); t > b.tenth {
			b.tenth = t
			fmt.Fprintln(b.w, line)
		}
		return
	}
	if p.Phase == b.phase && now.Sub(b.last) < 100*time.Millisecond && p.Done < p.Total {
		return
	}
	if p.Phase != b.phase && b.phase != "" {
		fmt.Fprintln(b.w)
	}
	b.phase, b.last = p.Phase, now
	fmt.Fprintf(b.w, "\r%s\033[K", line)
}

func (b *progressBar) done() {
	if b.terminal && b.phase != "" {
		fmt.Fprintln(b.w)
	}
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
