package app

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"maps"
	"slices"
	"time"
)

// sessionCodec encodes a session's values in the order of their keys, so that
// one session encoded twice gives the same bytes: the session store skips
// writing back a session whose bytes did not change (scs's own GobCodec wrote
// a map in Go's random order, and the session was written on nearly every
// request, a disk sync through the one writer per page read).
//
// Every request decodes its session and encodes it again (scs commits after
// each request to move the idle deadline on), so the values the server keeps
// (whole numbers, strings, yes or no) are written in a small format of their
// own, sessionMagic first: gob describes its types anew in every blob, and
// decoding them cost a page request more than its three lookups of the
// session, the user and the roles' version. A value of any other type makes
// the whole session gob, as it was stored before; both are read.
type sessionCodec struct{}

// sessionMagic begins a session in the small format. A gob stream never
// begins with a zero byte: it begins with its first message's length, and gob
// writes no empty message.
const sessionMagic = "\x00samspill-session-1\x00"

// The small format's kinds of value.
const (
	kindInt64  = 'i'
	kindInt    = 'n'
	kindString = 's'
	kindBool   = 'b'
)

// sessionBlob is what is stored as gob. Values is scs's own field: sessions
// written before this codec carry their values there, and are still read.
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
	keys := slices.Sorted(maps.Keys(values))
	if b, ok := encodeSmall(deadline, keys, values); ok {
		return b, nil
	}
	blob := sessionBlob{Deadline: deadline, Pairs: make([]sessionPair, 0, len(values))}
	for _, k := range keys {
		blob.Pairs = append(blob.Pairs, sessionPair{k, values[k]})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&blob); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeSmall writes the session in the small format: the deadline's Unix
// seconds and nanoseconds, then each key with its kind and value, strings
// with their length first. It is false when a value is of another type.
func encodeSmall(deadline time.Time, keys []string, values map[string]any) ([]byte, bool) {
	b := make([]byte, 0, 128)
	b = append(b, sessionMagic...)
	b = binary.AppendVarint(b, deadline.Unix())
	b = binary.AppendUvarint(b, uint64(deadline.Nanosecond()))
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case int64:
			b = binary.AppendVarint(append(b, kindInt64), v)
		case int:
			b = binary.AppendVarint(append(b, kindInt), int64(v))
		case string:
			b = binary.AppendUvarint(append(b, kindString), uint64(len(v)))
			b = append(b, v...)
		case bool:
			var x byte
			if v {
				x = 1
			}
			b = append(b, kindBool, x)
		default:
			return nil, false
		}
	}
	return b, true
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if rest, ok := bytes.CutPrefix(b, []byte(sessionMagic)); ok {
		return decodeSmall(rest)
	}
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

var errSessionData = errors.New("session: malformed data")

func decodeSmall(b []byte) (time.Time, map[string]any, error) {
	r := smallReader{b: b}
	sec := r.varint()
	nsec := r.uvarint()
	n := r.uvarint()
	if r.bad || nsec >= uint64(time.Second) || n > uint64(len(r.b)) {
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]any, n)
	for range n {
		k := r.text()
		switch r.byte() {
		case kindInt64:
			values[k] = r.varint()
		case kindInt:
			values[k] = int(r.varint())
		case kindString:
			values[k] = r.text()
		case kindBool:
			values[k] = r.byte() == 1
		default:
			r.bad = true
		}
		if r.bad {
			return time.Time{}, nil, errSessionData
		}
	}
	if len(r.b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return time.Unix(sec, int64(nsec)), values, nil
}

// smallReader reads the small format; bad is set at the first thing that
// does not fit, and what it reads after that is zero.
type smallReader struct {
	b   []byte
	bad bool
}

func (r *smallReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if !r.took(n) {
		return 0
	}
	return v
}

func (r *smallReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if !r.took(n) {
		return 0
	}
	return v
}

// took moves past the n bytes a varint read took; n <= 0 (cut short or too
// long) marks the data bad.
func (r *smallReader) took(n int) bool {
	if n <= 0 {
		r.bad, r.b = true, nil
		return false
	}
	r.b = r.b[n:]
	return true
}

func (r *smallReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *smallReader) text() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
