package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"samspill/models"
)

// receiptValid is how long the one door's receipt can be shown again after
// the form was sent: the cookie's age, and the signature's too, so that a
// cookie kept past it is worth nothing.
const receiptValid = time.Hour

// receiptSecret names the installation's key that signs receipt cookies
// (models.ServerSecret).
const receiptSecret = "receipt"

// receiptCookieValue is the receipt cookie of r: the reference, the region
// that answers it and the time it was made, with an HMAC-SHA256 of them under
// the installation's key. The signature is what keeps the receipt from
// telling anyone whether a reference they typed into a cookie exists, or
// what region answers it; and it makes a bot's receipt (ReserveReceipt) one
// like any other.
func (s *Server) receiptCookieValue(ctx context.Context, r *models.Receipt) (string, error) {
	var regionID int64
	if r.Region != nil {
		regionID = r.Region.ID
	}
	payload := fmt.Sprintf("%s|%d|%d", r.Reference, regionID, s.store.Now().Unix())
	mac, err := s.receiptMAC(ctx, payload)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac), nil
}

// openReceiptCookie checks a receipt cookie's signature and age and returns
// what it carries; ok is false for a cookie the server did not sign, a
// changed one, or one older than receiptValid.
func (s *Server) openReceiptCookie(ctx context.Context, value string) (reference string, regionID int64, ok bool, err error) {
	p, m, found := strings.Cut(value, ".")
	if !found || len(value) > 300 {
		return "", 0, false, nil
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sent, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil {
		return "", 0, false, nil
	}
	want, err := s.receiptMAC(ctx, string(payload))
	if err != nil {
		return "", 0, false, err
	}
	if !hmac.Equal(sent, want) {
		return "", 0, false, nil
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 {
		return "", 0, false, nil
	}
	regionID, err1 = strconv.ParseInt(parts[1], 10, 64)
	made, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || s.store.Now().Sub(time.Unix(made, 0)) > receiptValid {
		return "", 0, false, nil
	}
	return parts[0], regionID, true, nil
}

func (s *Server) receiptMAC(ctx context.Context, payload string) ([]byte, error) {
	key, err := s.store.ServerSecret(ctx, receiptSecret)
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil), nil
}
