package app

import (
	"bytes"
	"encoding/gob"
	"maps"
	"reflect"
	"slices"
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
	// As this codec stored sessions before the small format: gob, the
	// values in the order of their keys.
	var pairs bytes.Buffer
	blob := sessionBlob{Deadline: deadline}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		blob.Pairs = append(blob.Pairs, sessionPair{k, values[k]})
	}
	if err := gob.NewEncoder(&pairs).Encode(&blob); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(first, []byte(sessionMagic)) {
		t.Error("the server's values were not written in the small format")
	}
	for name, blob := range map[string][]byte{"this codec": first, "scs's GobCodec, as stored before": old, "gob in key order, as stored before": pairs.Bytes()} {
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
	// A cut-off or lengthened session is refused, not read as another.
	for _, bad := range [][]byte{first[:len(first)-1], first[:len(sessionMagic)+3], append(slices.Clone(first), 0)} {
		if _, got, err := codec.Decode(bad); err == nil {
			t.Errorf("malformed session %q decoded to %v", bad, got)
		}
	}
}

// TestSessionCodecOtherTypes: a value the small format does not write makes
// the whole session gob, which keeps it as it was.
func TestSessionCodecOtherTypes(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 11, 28, 8, 0, 0, 123456789, time.UTC)
	values := map[string]any{sessUserID: int64(7), "share": 0.5, sessLangKept: true, "empty": ""}
	var codec sessionCodec
	b, err := codec.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(b, []byte(sessionMagic)) {
		t.Fatal("a float was written in the small format")
	}
	gotDeadline, got, err := codec.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("decoded %v %v %v; want %v %v", gotDeadline, got, err, deadline, values)
	}
	delete(values, "share")
	b, err = codec.Encode(deadline, values)
	if err != nil || !bytes.HasPrefix(b, []byte(sessionMagic)) {
		t.Fatalf("without the float: %v, small format %v", err, bytes.HasPrefix(b, []byte(sessionMagic)))
	}
	gotDeadline, got, err = codec.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("decoded %v %v %v; want %v %v", gotDeadline, got, err, deadline, values)
	}
}
