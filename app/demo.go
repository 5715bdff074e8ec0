package app

import (
	"context"
	"sync"

	"taimen/reader"
)

// DemoReaderName is the name the in-process demo reader shows.
const DemoReaderName = "Taimen Demo Reader"

// DemoSource is the in-process reader of demo mode: always in service, one
// reader, and a card or phone placed or taken away by SetPresent (the demo
// screen's "tap" buttons drive it).
type DemoSource struct {
	mu      sync.Mutex
	present bool
	changed chan struct{}
}

// NewDemoSource returns a demo reader with nothing on it.
func NewDemoSource() *DemoSource { return &DemoSource{changed: make(chan struct{}, 1)} }

// SetPresent puts something on the demo reader or takes it away.
func (d *DemoSource) SetPresent(present bool) {
	d.mu.Lock()
	d.present = present
	d.mu.Unlock()
	select {
	case d.changed <- struct{}{}:
	default: // a wake-up is already pending; Run reads the latest value
	}
}

func (d *DemoSource) snapshot() reader.Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	return reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: DemoReaderName, CardPresent: d.present}}}
}

// Run reports the demo reader until ctx ends.
func (d *DemoSource) Run(ctx context.Context, onChange func(reader.Snapshot)) error {
	onChange(d.snapshot())
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.changed:
			onChange(d.snapshot())
		}
	}
}

var _ reader.Source = (*DemoSource)(nil)
