package app

// Event names sent to the frontend, with fixed payload types. The TypeScript
// side mirrors them in frontend/src/bridge (EventMap).
const (
	// EventReaderState carries a ReaderState whenever it changes.
	EventReaderState = "reader:state"
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
