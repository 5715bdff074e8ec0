# Taimen: two commands on a fresh Debian 12 machine (as root):
#   make run    install what is missing, build, start the app (demo reader when no reader is attached)
#   make test   install what is missing, run every test
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := build/bin/taimen
WAILS   := go tool wails
# -m: no `go mod tidy`, -nosyncgomod: leave go.mod alone, -s: the frontend is
# built by the frontend target, -skipbindings: the bridge in frontend/src
# calls window.go directly, so the generated wailsjs/ is not needed.
WAILS_FLAGS := -tags webkit2_41 -m -nosyncgomod -s -skipbindings -trimpath -o taimen \
               -ldflags "-X main.version=$(VERSION)"

.PHONY: run test deps deps-test frontend build test-go test-frontend test-e2e smoke clean

run: deps build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "taimen: no display to open the window on" >&2; \
	  echo "hint: run it from a desktop session, or headless: xvfb-run -a make run" >&2; exit 2; fi
	./$(BIN) $(ARGS)

test: deps-test test-frontend test-go build smoke
	@echo "make test: all passed"

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

frontend:
	cd frontend && npm run build

build: frontend
	$(WAILS) build $(WAILS_FLAGS)

test-go:
	go vet ./...
	go test -count=1 ./...

# e2e builds the frontend itself and tests the built files: first against a
# fake Go side (every screen and error), then against the real Go backend in
# demo mode (internal/devserver).
test-frontend:
	cd frontend && npm run check && npm test && npm run e2e && npm run e2e:real

smoke:
	scripts/smoke.sh $(BIN)

clean:
	rm -rf build/bin build/smoke frontend/test-results
