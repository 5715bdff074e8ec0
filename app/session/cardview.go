package session

import (
	"fmt"
	"time"

	"taimen/app/purpose"
	vmyna "taimen/verify/myna"
)

// DocTypeCard names the physical My Number Card in verdicts, beside the
// mdoc docTypes; its elements live in the namespace of the same name.
const DocTypeCard = purpose.DocTypeCard

// jst is Japan Standard Time: ages turn over at midnight in Japan.
var jst = time.FixedZone("JST", 9*60*60)

// CardElements returns what a purpose may show of a card: a 照合番号B read
// always returns all four basic facts and the photo, so the purpose's
// attributes decide what leaves this function (an age check shows an
// age_over_NN computed from the birth date, not the date itself).
func CardElements(p purpose.Purpose, person vmyna.Person, at time.Time) map[string]any {
	out := map[string]any{}
	for _, a := range p.Attributes {
		switch a {
		case purpose.Name:
			if person.Name != "" {
				out["name"] = person.Name
			}
		case purpose.Address:
			if person.Address != "" {
				out["address"] = person.Address
			}
		case purpose.BirthDate:
			if person.BirthDate != "" {
				out["birth_date"] = person.BirthDate
			}
		case purpose.Sex:
			if person.Sex != "" {
				out["sex"] = string(person.Sex)
			}
		case purpose.Portrait:
			if person.Photo != nil {
				out["portrait"] = person.Photo
			}
		case purpose.AgeOver:
			if over, ok := AgeAtLeast(person.BirthDate, p.AgeOver, at); ok {
				out[fmt.Sprintf("age_over_%02d", p.AgeOver)] = over
			}
		}
	}
	return out
}

// AgeAtLeast reports whether someone born on birthDate (YYYY-MM-DD) is at
// least years old at t, counted in Japan. ok is false for a date that does
// not parse.
func AgeAtLeast(birthDate string, years int, t time.Time) (over, ok bool) {
	b, err := time.ParseInLocation(time.DateOnly, birthDate, jst)
	if err != nil {
		return false, false
	}
	// 年齢計算ニ関スル法律: the age increases at the end of the day before
	// the birthday, so the birthday itself counts as reached. Someone born on
	// 29 February reaches it on 1 March in common years (AddDate normalises).
	return !t.In(jst).Before(b.AddDate(years, 0, 0)), true
}
