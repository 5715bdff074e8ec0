package nfc

import (
	"context"
	"time"

	"taimen/reader"
)

// Engage runs an [Engagement] against card: the plain loop an app would
// write, with the waits the driver asks for and ctx honoured between
// commands. Transport errors come back as they are (they unwrap to the
// reader sentinels, e.g. reader.ErrCardRemoved).
func Engage(ctx context.Context, card reader.Card, opts Options) (*Result, error) {
	e, err := NewEngagement(opts)
	if err != nil {
		return nil, err
	}
	cmd := e.Start()
	for {
		resp, err := card.Transmit(ctx, cmd)
		if err != nil {
			return nil, err
		}
		var wait time.Duration
		var done bool
		cmd, wait, done, err = e.Next(resp)
		if done {
			if err != nil {
				return nil, err
			}
			return e.Result()
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
	}
}
