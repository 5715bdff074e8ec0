package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// hub fans emitted events out to every connected event stream.
type hub struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

func newHub() *hub { return &hub{subs: map[chan []byte]struct{}{}} }

// emit is the app.Emitter: it sends {name, data} to every subscriber, in
// order (one goroutine per stream reads its channel).
func (h *hub) emit(_ context.Context, name string, data ...any) {
	b, err := json.Marshal(struct {
		Name string `json:"name"`
		Data []any  `json:"data"`
	}{name, data})
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- b:
		default: // a stuck browser loses events rather than blocking the app
		}
	}
}

func (h *hub) subscribe() (chan []byte, func()) {
	ch := make(chan []byte, 256)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// newHandler serves dist with the shim injected, the method calls and the
// event stream.
func newHandler(target any, h *hub, dist fs.FS) (http.Handler, error) {
	methods := map[string]reflect.Value{}
	v := reflect.ValueOf(target)
	for i := range v.NumMethod() {
		m := v.Type().Method(i)
		switch m.Name {
		case "Startup", "Shutdown": // lifecycle, not bound by Wails either
			continue
		}
		methods[m.Name] = v.Method(i)
	}
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		return nil, fmt.Errorf("the frontend is not built: %w", err)
	}
	// The shim must run before the app's module script.
	page := bytes.Replace(index, []byte("<head>"), []byte(`<head><script src="/__taimen_shim.js"></script>`), 1)
	namesJSON, _ := json.Marshal(names)
	shim := strings.Replace(shimJS, "__METHODS__", string(namesJSON), 1)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("GET /__taimen_shim.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, shim)
	})
	mux.HandleFunc("POST /__call/{method}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := methods[r.PathValue("method")]
		if !ok {
			http.Error(w, `{"error":"unknown method"}`, http.StatusNotFound)
			return
		}
		var raw []json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil || len(raw) != m.Type().NumIn() {
			http.Error(w, `{"error":"bad arguments"}`, http.StatusBadRequest)
			return
		}
		args := make([]reflect.Value, len(raw))
		for i, a := range raw {
			p := reflect.New(m.Type().In(i))
			if err := json.Unmarshal(a, p.Interface()); err != nil {
				http.Error(w, `{"error":"bad arguments"}`, http.StatusBadRequest)
				return
			}
			args[i] = p.Elem()
		}
		out := m.Call(args)
		// Like Wails: a trailing error rejects the call with its text.
		if n := len(out); n > 0 && out[n-1].Type() == reflect.TypeFor[error]() {
			if err, _ := out[n-1].Interface().(error); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				return
			}
			out = out[:n-1]
		}
		var result any
		if len(out) > 0 {
			result = out[0].Interface()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"result": result})
	})
	mux.HandleFunc("GET /__events", func(w http.ResponseWriter, r *http.Request) {
		fl, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "no streaming", http.StatusInternalServerError)
			return
		}
		ch, done := h.subscribe()
		defer done()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, ": connected\n\n")
		fl.Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case b := <-ch:
				fmt.Fprintf(w, "data: %s\n\n", b)
				fl.Flush()
			}
		}
	})
	mux.Handle("GET /", http.FileServerFS(dist))
	return mux, nil
}

// shimJS stands in for the Wails runtime: window.go.app.Counter.<Method>
// posts to /__call, window.runtime.EventsOnMultiple/EventsOff follow
// /__events. The events stream is opened at once, before the app
// subscribes, so no event is lost between page load and subscription.
const shimJS = `(() => {
  const listeners = new Map();
  const ready = new Promise((resolve) => {
    const es = new EventSource('/__events');
    es.onopen = () => resolve();
    es.onmessage = (e) => {
      const { name, data } = JSON.parse(e.data);
      for (const l of [...(listeners.get(name) || [])]) {
        l.cb(...data);
        if (l.left > 0 && --l.left === 0) off(name, l);
      }
    };
  });
  const off = (name, l) => {
    const ls = listeners.get(name) || [];
    listeners.set(name, ls.filter((x) => x !== l));
  };
  const Counter = {};
  for (const m of __METHODS__) {
    Counter[m] = async (...args) => {
      await ready;
      const r = await fetch('/__call/' + m, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
      const body = await r.json();
      if (!r.ok) throw body.error;
      return body.result;
    };
  }
  window.go = { app: { Counter } };
  window.runtime = {
    EventsOnMultiple(name, cb, max) {
      const l = { cb, left: max };
      listeners.set(name, [...(listeners.get(name) || []), l]);
      return () => off(name, l);
    },
    EventsOff(name, ...more) { for (const n of [name, ...more]) listeners.delete(n); },
  };
})();
`
