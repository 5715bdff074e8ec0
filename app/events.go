package app

// Event names sent to the frontend, with fixed payload types. The TypeScript
// side mirrors them in frontend/src/bridge (EventMap).
const (
	// EventReaderState carries a ReaderState whenever it changes.
	EventReaderState = "reader:state"
	// EventCheckState carries a CheckState on every change of the
	// customer's check (phase, result, idle countdown).
	EventCheckState = "check:state"
)

// ReaderStatus is what the waiting screen shows about the reader.
type ReaderStatus string

const (
	// ReaderNoService: the smart-card service (pcscd / SCardSvr) is not reachable.
	ReaderNoService ReaderStatus = "no_service"
	// ReaderNone: the service runs but no reader is attached.
	ReaderNone ReaderStatus = "no_reader"
	// ReaderReady: a reader is attached and nothing is on it.
	ReaderReady ReaderStatus = "ready"
	// ReaderPresent: a card or phone is on the reader.
	ReaderPresent ReaderStatus = "present"
)

// ReaderInfo is one attached reader.
type ReaderInfo struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"cardPresent"`
}

// ReaderState is the payload of EventReaderState and of Counter.ReaderState.
type ReaderState struct {
	Status   ReaderStatus `json:"status"`
	Readers  []ReaderInfo `json:"readers"`
	Selected string       `json:"selected"`
	Demo     bool         `json:"demo"`
}

// AppInfo is what the frontend shows in its footer.
type AppInfo struct {
	Version string `json:"version"`
	Demo    bool   `json:"demo"`
}

// Phase is where the current customer's check stands
// (/work/notes/app-contract.md, "check:state").
type Phase string

// Phases of a check.
const (
	PhaseIdle        Phase = "idle"         // no purpose chosen, or the previous customer is done
	PhaseWaiting     Phase = "waiting"      // waiting for a tap
	PhaseEngaging    Phase = "engaging"     // NFC engagement with the phone
	PhaseConsent     Phase = "consent"      // request sent; the customer decides on the phone
	PhaseVerifying   Phase = "verifying"    // the answer arrived and is being verified
	PhaseCodeB       Phase = "code_b"       // plastic card: waiting for 照合番号B
	PhaseReadingCard Phase = "reading_card" // plastic card being read
	PhaseResult      Phase = "result"       // the verdict is shown until confirm, timeout or next tap
	PhaseError       Phase = "error"        // the check stopped; Error says why
)

// CodeError is an error code travelling inside a payload (Wails turns Go
// errors into bare strings, so expected failures are data).
type CodeError struct {
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// CheckState is the payload of EventCheckState and the return value of
// the check methods.
type CheckState struct {
	Phase       Phase       `json:"phase"`
	Purpose     string      `json:"purpose"`
	Source      string      `json:"source"` // "", "phone" or "card"
	Result      *ResultView `json:"result"`
	Error       *CodeError  `json:"error"`
	TriesLeft   *int        `json:"triesLeft"`
	IdleSeconds int         `json:"idleSeconds"`
}

// ResultView is what the result screen shows: only the requested
// attributes, the portrait, each check and the warnings.
type ResultView struct {
	Overall    string          `json:"overall"` // valid | invalid | undetermined | declined
	DocType    string          `json:"docType"`
	Issuer     IssuerView      `json:"issuer"`
	Attributes []AttributeView `json:"attributes"`
	Portrait   *PortraitView   `json:"portrait"`
	Checks     []CheckView     `json:"checks"`
	Warnings   []string        `json:"warnings"`
}

// IssuerView names who issued the document (from the trusted anchor).
type IssuerView struct {
	Country string `json:"country"`
	Name    string `json:"name"`
}

// AttributeView is one attribute, formatted for display.
type AttributeView struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PortraitView is the portrait as a data: URL.
type PortraitView struct {
	MediaType string `json:"mediaType"`
	DataURL   string `json:"dataUrl"`
}

// CheckView is one line of the verdict.
type CheckView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Code   string `json:"code"`
}
