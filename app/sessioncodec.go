package app

import (
	"bytes"
	"encoding/gob"
	"maps"
	"slices"
	"time"
)

// sessionCodec encodes sessions as scs's own GobCodec does, but with the values
// in the order of their keys. Gob writes a map in Go's random iteration order,
// so one session encoded twice gave different bytes, and the session store,
// which skips writing back a session whose bytes did not change, wrote it on
// nearly every request: a disk sync through the one writer per page read.
type sessionCodec struct{}

// sessionBlob is what is stored. Values is scs's own field: sessions written
// before this codec carry their values there, and are still read.
type sessionBlob struct {
	Deadline time.Time
	Values   map[string]any
	Pairs    []sessionPair
}

type sessionPair struct {
	Key   string
	Value any
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	blob := sessionBlob{Deadline: deadline, Pairs: make([]sessionPair, 0, len(values))}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		blob.Pairs = append(blob.Pairs, sessionPair{k, values[k]})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&blob); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var blob sessionBlob
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&blob); err != nil {
		return time.Time{}, nil, err
	}
	values := blob.Values
	if values == nil {
		values = make(map[string]any, len(blob.Pairs))
	}
	for _, p := range blob.Pairs {
		values[p.Key] = p.Value
	}
	return blob.Deadline, values, nil
}
