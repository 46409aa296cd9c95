package app

import (
	"bytes"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodec(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	values := map[string]any{
		sessUserID: int64(7), sessEpoch: 2, sessRegionID: int64(3), sessLang: "en",
		sessCSRF: "token", sessFlash: "Lagret.", sessStarted: int64(1795000000), sessSeen: int64(1795000100),
	}
	var codec sessionCodec
	first, err := codec.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	// The same session gives the same bytes every time (a map's order is random).
	for range 20 {
		again, err := codec.Encode(deadline, maps.Clone(values))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, first) {
			t.Fatal("the same session encoded to different bytes")
		}
	}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for name, blob := range map[string][]byte{"this codec": first, "scs's GobCodec, as stored before": old} {
		gotDeadline, got, err := codec.Decode(blob)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("%s: decoded %v %v; want %v %v", name, gotDeadline, got, deadline, values)
		}
	}
	if _, _, err := codec.Decode([]byte("not gob")); err == nil {
		t.Error("garbage decoded without an error")
	}
}
