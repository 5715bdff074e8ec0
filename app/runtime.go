package app

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Emitter sends an event to the frontend. The Wails runtime's EventsEmit
// calls log.Fatalf when given a context Wails did not create, so tests pass
// their own Emitter instead of ever calling it.
type Emitter func(ctx context.Context, name string, data ...any)

// WailsEmitter is the production emitter: the Wails runtime's EventsEmit.
func WailsEmitter() Emitter { return runtime.EventsEmit }
