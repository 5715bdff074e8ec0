package purpose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Set is the purposes a terminal offers, in display order.
type Set struct {
	list []Purpose
}

// NewSet validates the purposes; later ones replace earlier ones with the
// same ID (so a config file can adjust a built-in purpose).
func NewSet(ps ...Purpose) (*Set, error) {
	s := &Set{}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		replaced := false
		for i := range s.list {
			if s.list[i].ID == p.ID {
				s.list[i], replaced = p, true
			}
		}
		if !replaced {
			s.list = append(s.list, p)
		}
	}
	return s, nil
}

// Default is the built-in set.
func Default() *Set {
	s, err := NewSet(Builtin()...)
	if err != nil {
		panic(err) // the built-ins are constants; a test keeps them valid
	}
	return s
}

// All returns the purposes in display order.
func (s *Set) All() []Purpose { return append([]Purpose(nil), s.list...) }

// Get returns the purpose with the given ID.
func (s *Set) Get(id string) (Purpose, error) {
	for _, p := range s.list {
		if p.ID == id {
			return p, nil
		}
	}
	ids := make([]string, len(s.list))
	for i, p := range s.list {
		ids[i] = p.ID
	}
	return Purpose{}, fmt.Errorf("purpose %q (known: %s): %w", id, strings.Join(ids, ", "), ErrUnknown)
}

// configFile is the JSON that branch IT deploys: {"purposes": [Purpose…]}.
type configFile struct {
	Purposes []Purpose `json:"purposes"`
}

// Parse reads a config file's bytes and returns the built-ins merged with
// its purposes. Unknown fields are errors, so a typo never silently widens
// or narrows what a counter asks for.
func Parse(data []byte) (*Set, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cf configFile
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("purposes config: %w: %w", ErrInvalid, err)
	}
	return NewSet(append(Builtin(), cf.Purposes...)...)
}

// Load reads a purposes config file (see Parse).
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("purposes config: %w", err)
	}
	return Parse(data)
}

// MarshalJSON writes whole days as "Nd", anything else as Go's duration text.
func (d Duration) MarshalJSON() ([]byte, error) {
	td := time.Duration(d)
	if td%day == 0 {
		return json.Marshal(strconv.FormatInt(int64(td/day), 10) + "d")
	}
	return json.Marshal(td.String())
}

// UnmarshalJSON reads "2557d" (days) or a time.ParseDuration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("retention must be a string like \"2557d\": %w", err)
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return fmt.Errorf("retention %q: not a number of days", s)
		}
		*d = Duration(time.Duration(days) * day)
		return nil
	}
	td, err := time.ParseDuration(s)
	if err != nil || td < 0 {
		return fmt.Errorf("retention %q: not a duration", s)
	}
	*d = Duration(td)
	return nil
}
