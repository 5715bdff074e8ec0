package app

import (
	"context"
	"fmt"
	"sync"

	"taimen/reader"
)

// DemoReaderName is the name the in-process demo reader shows.
const DemoReaderName = "Taimen Demo Reader"

// DemoSource is the in-process reader of demo mode: always in service, one
// reader, and a card or phone placed or taken away by Place and SetPresent
// (the demo screen's "tap" buttons drive it). It is also the demo's
// reader.Opener: Connect hands out the in-process card on it.
type DemoSource struct {
	mu      sync.Mutex
	present bool
	card    reader.Card
	placed  uint64 // counts placements, so a connection knows its card
	// queue keeps every change in order: a take-away followed at once by a
	// new tap must reach the flow as two snapshots, or the new tap would
	// look like the old card still lying there.
	queue   []bool
	changed chan struct{}
}

// NewDemoSource returns a demo reader with nothing on it.
func NewDemoSource() *DemoSource { return &DemoSource{changed: make(chan struct{}, 1)} }

// SetPresent puts something (with no card behind it) on the demo reader or
// takes whatever is there away.
func (d *DemoSource) SetPresent(present bool) {
	d.mu.Lock()
	if !present {
		d.card = nil
	}
	d.set(present)
	d.mu.Unlock()
}

// Place puts card on the demo reader (a new tap).
func (d *DemoSource) Place(card reader.Card) {
	d.mu.Lock()
	if d.present {
		// A new tap means whatever lay there left the field first.
		d.set(false)
	}
	d.card = card
	d.placed++
	d.set(true)
	d.mu.Unlock()
}

// set records a change; d.mu is held.
func (d *DemoSource) set(present bool) {
	d.present = present
	d.queue = append(d.queue, present)
	select {
	case d.changed <- struct{}{}:
	default: // a wake-up is already pending; Run drains the whole queue
	}
}

func snapshotOf(present bool) reader.Snapshot {
	return reader.Snapshot{Service: true, Readers: []reader.ReaderStatus{{Name: DemoReaderName, CardPresent: present}}}
}

// Run reports the demo reader until ctx ends.
func (d *DemoSource) Run(ctx context.Context, onChange func(reader.Snapshot)) error {
	d.mu.Lock()
	first := d.present
	d.queue = nil
	d.mu.Unlock()
	onChange(snapshotOf(first))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.changed:
			d.mu.Lock()
			q := d.queue
			d.queue = nil
			d.mu.Unlock()
			for _, p := range q {
				onChange(snapshotOf(p))
			}
		}
	}
}

// Connect opens the card on the demo reader. Its Transmit fails with
// reader.ErrCardRemoved once that card is taken away, as PC/SC does.
func (d *DemoSource) Connect(_ context.Context, name string) (reader.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if name != DemoReaderName {
		return nil, fmt.Errorf("demo: reader %q: %w", name, reader.ErrNoReader)
	}
	if !d.present || d.card == nil {
		return nil, fmt.Errorf("demo: %w", reader.ErrNoCard)
	}
	return &demoConn{d: d, card: d.card, placed: d.placed}, nil
}

// onReader reports whether the card of placement n is still on the reader.
func (d *DemoSource) onReader(n uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.present && d.placed == n && d.card != nil
}

type demoConn struct {
	d      *DemoSource
	card   reader.Card
	placed uint64
}

func (c *demoConn) Transmit(ctx context.Context, cmd reader.Command) (reader.Response, error) {
	if !c.d.onReader(c.placed) {
		return reader.Response{}, fmt.Errorf("demo: %w", reader.ErrCardRemoved)
	}
	resp, err := c.card.Transmit(ctx, cmd)
	// A card taken away while it answered never delivers that answer.
	if !c.d.onReader(c.placed) {
		return reader.Response{}, fmt.Errorf("demo: %w", reader.ErrCardRemoved)
	}
	return resp, err
}

func (c *demoConn) Close() error { return nil }

// takeAway removes this connection's card, unless another was placed since.
func (c *demoConn) takeAway() {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if c.d.placed == c.placed && c.d.present {
		c.d.card = nil
		c.d.set(false)
	}
}

var (
	_ reader.Source = (*DemoSource)(nil)
	_ reader.Opener = (*DemoSource)(nil)
)
