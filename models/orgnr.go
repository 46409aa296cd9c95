package models

import (
	"strings"
	"unicode"
)

// NormaliseOrgNumber removes what people write around an organisation
// number's nine digits: spaces of any kind, dots and hyphens between groups
// ("923 609 016", "923.609.016"), and the VAT form's "NO" and "MVA" as
// invoices print it ("NO 923 609 016 MVA").
func NormaliseOrgNumber(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(s, "NO") && strings.HasSuffix(s, "MVA") {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "NO"), "MVA")
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// CheckOrgNumber returns "" for a valid Norwegian organisation number, or the
// message ID of what is wrong with it. The ninth digit is a mod-11 check digit
// over the first eight with weights 3, 2, 7, 6, 5, 4, 3, 2; a remainder that
// would need check digit 10 is never issued.
func CheckOrgNumber(s string) string {
	if len(s) != 9 {
		return "error.orgnr_length"
	}
	sum := 0
	for i, w := range []int{3, 2, 7, 6, 5, 4, 3, 2, 0} {
		c := s[i]
		if c < '0' || c > '9' {
			return "error.orgnr_digits"
		}
		sum += int(c-'0') * w
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 || int(s[8]-'0') != check {
		return "error.orgnr_check"
	}
	return ""
}
