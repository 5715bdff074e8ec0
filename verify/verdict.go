package verify

// Status is the outcome of one check. A verdict is data, not an error.
type Status string

const (
	// StatusValid: the check ran and passed.
	StatusValid Status = "valid"
	// StatusInvalid: the check ran and proved something wrong.
	StatusInvalid Status = "invalid"
	// StatusNotChecked: the check did not run (not applicable, or an
	// earlier failure made it meaningless).
	StatusNotChecked Status = "not_checked"
	// StatusUndetermined: the check could not reach an answer (a CRL that
	// is missing or stale, say). Never reported as invalid.
	StatusUndetermined Status = "undetermined"
)

// Check is one line of a verdict: a stable check ID (e.g. "issuer_chain"),
// its status and a stable reason code (e.g. "ds_expired"). Codes are what
// the UI translates; Detail is for logs and developers, in English.
type Check struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// Checks is an ordered list of checks.
type Checks []Check

// Get returns the check with the given ID and whether it exists.
func (cs Checks) Get(id string) (Check, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Overall folds checks into one answer: invalid when any check is invalid;
// otherwise undetermined when any check is undetermined or a required check
// is missing or not valid; otherwise valid. Checks that are not required may
// be not_checked without spoiling a valid answer (revocation where no CRL
// is configured, for example).
func (cs Checks) Overall(required ...string) Status {
	for _, c := range cs {
		if c.Status == StatusInvalid {
			return StatusInvalid
		}
	}
	for _, c := range cs {
		if c.Status == StatusUndetermined {
			return StatusUndetermined
		}
	}
	for _, id := range required {
		c, ok := cs.Get(id)
		if !ok || c.Status != StatusValid {
			return StatusUndetermined
		}
	}
	return StatusValid
}
