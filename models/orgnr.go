package models

import "strings"

// NormaliseOrgNumber removes the spaces people type in organisation numbers ("923 609 016").
func NormaliseOrgNumber(s string) string {
	return strings.Join(strings.Fields(s), "")
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
