package myna

import "fmt"

// CodeB is 照合番号B split into the three printed parts it is made of
// (research §1.6): 生年月日 YYMMDD as printed on the card (和暦 year for
// Japanese nationals), the year of the 有効期限 (西暦), and the 4-digit
// セキュリティコード under the photo. VERIFY sends the 14 digits in that order.
type CodeB struct {
	BirthDate    string // 6 digits, YYMMDD as printed
	ExpiryYear   string // 4 digits, Gregorian
	SecurityCode string // 4 digits
}

// Parts of 照合番号B, as named in CodeBError.Part.
const (
	PartWhole        = "照合番号B"
	PartBirthDate    = "生年月日"
	PartExpiryYear   = "有効期限の年"
	PartSecurityCode = "セキュリティコード"
)

// CodeBError says which part of a typed 照合番号B is wrong and why.
type CodeBError struct {
	Part   string // one of the Part* constants
	Digits string // what was typed for that part
	Reason string
}

func (e *CodeBError) Error() string {
	if e.Digits == "" {
		return fmt.Sprintf("myna: 照合番号b: %s: %s", e.Part, e.Reason)
	}
	return fmt.Sprintf("myna: 照合番号b: %s %q: %s", e.Part, e.Digits, e.Reason)
}

// Unwrap returns ErrInvalidCodeB.
func (e *CodeBError) Unwrap() error { return ErrInvalidCodeB }

// ParseCodeB checks the shape of a typed 照合番号B and splits it. Spaces and
// hyphens between digits are dropped and full-width digits (what a Japanese
// input method produces) are taken as digits; anything else is an error.
// It cannot know whether the birth year is 和暦 or 西暦, so it checks only
// that month and day exist.
func ParseCodeB(s string) (CodeB, error) {
	var d []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r >= '０' && r <= '９':
			d = append(d, byte('0'+r-'０'))
		case r == ' ' || r == '-' || r == '\u3000' || r == 'ー' || r == '－':
		default:
			return CodeB{}, &CodeBError{Part: PartWhole, Reason: fmt.Sprintf("%q is not a digit", r)}
		}
	}
	if len(d) != 14 {
		return CodeB{}, &CodeBError{Part: PartWhole, Reason: fmt.Sprintf("has %d digits, want 14 (生年月日 6 + 有効期限の年 4 + セキュリティコード 4)", len(d))}
	}
	c := CodeB{BirthDate: string(d[:6]), ExpiryYear: string(d[6:10]), SecurityCode: string(d[10:])}
	mm, dd := atoi(c.BirthDate[2:4]), atoi(c.BirthDate[4:6])
	if mm < 1 || mm > 12 {
		return CodeB{}, &CodeBError{Part: PartBirthDate, Digits: c.BirthDate, Reason: fmt.Sprintf("month %02d does not exist", mm)}
	}
	// 29 February is allowed for every year: the era year says nothing
	// about leap years without knowing the era.
	if dd < 1 || dd > [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mm] {
		return CodeB{}, &CodeBError{Part: PartBirthDate, Digits: c.BirthDate, Reason: fmt.Sprintf("day %02d does not exist in month %02d", dd, mm)}
	}
	// Cards were first issued in 2016 and are valid for 10 years at most;
	// a year outside this window is a typing mistake (often the birth year
	// typed in its place).
	if y := atoi(c.ExpiryYear); y < 2016 || y > 2099 {
		return CodeB{}, &CodeBError{Part: PartExpiryYear, Digits: c.ExpiryYear, Reason: "is not a year between 2016 and 2099"}
	}
	return c, nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// String returns the 14 digits VERIFY sends.
func (c CodeB) String() string { return c.BirthDate + c.ExpiryYear + c.SecurityCode }

// Describe shows which digits are which, for a clerk checking what was typed.
func (c CodeB) Describe() string {
	return fmt.Sprintf("%s %s · %s %s · %s %s", PartBirthDate, c.BirthDate, PartExpiryYear, c.ExpiryYear, PartSecurityCode, c.SecurityCode)
}

// PasswordError says why a 署名用パスワード was refused before reaching the
// card (a refused VERIFY would cost one of its 5 tries).
type PasswordError struct {
	Reason string
}

func (e *PasswordError) Error() string { return "myna: 署名用パスワード " + e.Reason }

// Unwrap returns ErrInvalidPassword.
func (e *PasswordError) Unwrap() error { return ErrInvalidPassword }

// CheckSignPassword checks the 署名用パスワード rules (research §1.2): 6 to 16
// characters, upper-case letters A–Z and digits only, at least one of each.
func CheckSignPassword(p string) error {
	if n := len(p); n < 6 || n > 16 {
		return &PasswordError{Reason: fmt.Sprintf("has %d characters, want 6 to 16", len(p))}
	}
	var letter, digit bool
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z':
			return &PasswordError{Reason: "has lower-case letters; the card takes upper case only"}
		default:
			return &PasswordError{Reason: "may only hold A–Z and 0–9"}
		}
	}
	if !letter || !digit {
		return &PasswordError{Reason: "needs at least one letter and one digit"}
	}
	return nil
}
