// Package pcsctest runs a private pcscd with a vsmartcard vpcd reader for
// tests, so PC/SC code is exercised against the real daemon with no
// hardware and without touching a system-wide pcscd.
//
// The daemon gets its own client socket by socket activation (pcscd has
// /run/pcscd/pcscd.comm compiled in, but takes a listening fd from
// LISTEN_FDS), its own reader.conf.d with one vpcd entry on a free port pair
// (vpcd serves two slots: port p for "Virtual PCD 00 00", p+1 for "Virtual
// PCD 00 01"), and PCSCLITE_CSOCK_NAME points the client library at the
// socket. libpcsclite reads that variable once per process, so a test binary
// runs one Daemon at a time, and a later one reuses the first one's socket
// path: start it in TestMain.
//
// Virtual cards connect to [Daemon.VPCDAddr] (see taimen/sim/vicc).
package pcsctest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of Debian's pcscd and vsmartcard-vpcd packages.
const (
	DefaultPCSCD  = "/usr/sbin/pcscd"
	DefaultDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// FriendlyName is the reader name prefix written to the conf entry.
const FriendlyName = "Virtual PCD"

// Bounds of the waits in this package; they are generous because CI
// machines are slow, and nothing waits for them on the happy path.
const (
	readyTimeout = 10 * time.Second
	stopTimeout  = 10 * time.Second
)

// Options configure a Daemon. The zero value uses the Debian paths.
type Options struct {
	PCSCD  string // pcscd binary
	Driver string // libifdvpcd.so
	// Args are extra pcscd flags, e.g. "-d", "-a" to log APDUs.
	Args []string
}

// Daemon is a private pcscd with one vpcd reader pair.
type Daemon struct {
	opts    Options
	dir     string
	sock    string
	port    int
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
}

var (
	startedMu sync.Mutex
	started   *Daemon
	// procDir is the directory of the first daemon in this process. Later
	// daemons (after Close) reuse the path, because libpcsclite keeps the
	// socket path it read first.
	procDir string
)

// Start starts a private pcscd and waits until its vpcd readers listen. It
// sets PCSCLITE_CSOCK_NAME for this process, so call it before the first
// PC/SC call (in TestMain); a second Start before Close fails.
func Start(opts Options) (*Daemon, error) {
	startedMu.Lock()
	defer startedMu.Unlock()
	if started != nil {
		return nil, errors.New("pcsctest: one daemon at a time per process (libpcsclite caches the socket path)")
	}
	if opts.PCSCD == "" {
		opts.PCSCD = DefaultPCSCD
	}
	if opts.Driver == "" {
		opts.Driver = DefaultDriver
	}
	for _, p := range []string{opts.PCSCD, opts.Driver} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("pcsctest: %w (install pcscd and vsmartcard-vpcd)", err)
		}
	}
	// A short path: unix socket paths are limited to 108 bytes.
	var dir string
	var err error
	if procDir != "" {
		dir, err = procDir, os.Mkdir(procDir, 0o700)
	} else {
		dir, err = os.MkdirTemp("", "pcsctest")
	}
	if err != nil {
		return nil, err
	}
	procDir = dir
	d := &Daemon{opts: opts, dir: dir, sock: filepath.Join(dir, "pcscd.comm"), logPath: filepath.Join(dir, "pcscd.log")}
	if err := os.Mkdir(filepath.Join(dir, "conf"), 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	// A port pair found free can be taken before pcscd binds it; try anew.
	for range 3 {
		if d.port, err = freePortPair(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err = d.writeConf(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if lastErr = d.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		os.RemoveAll(dir)
		return nil, lastErr
	}
	if err := os.Setenv("PCSCLITE_CSOCK_NAME", d.sock); err != nil {
		d.Stop()
		return nil, err
	}
	started = d
	return d, nil
}

func (d *Daemon) writeConf() error {
	conf := fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME /dev/null:%d\nLIBPATH %s\nCHANNELID %d\n",
		FriendlyName, d.port, d.opts.Driver, d.port)
	return os.WriteFile(filepath.Join(d.dir, "conf", "vpcd"), []byte(conf), 0o644)
}

// freePortPair finds p with p and p+1 free on all addresses (vpcd binds
// 0.0.0.0).
func freePortPair() (int, error) {
	for range 50 {
		l1, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			return 0, err
		}
		p := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp4", "0.0.0.0:"+strconv.Itoa(p+1))
		l1.Close()
		if err == nil {
			l2.Close()
			return p, nil
		}
	}
	return 0, errors.New("pcsctest: no free port pair")
}

// start launches pcscd on a fresh listening socket and waits for vpcd.
func (d *Daemon) start() error {
	os.Remove(d.sock)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: d.sock, Net: "unix"})
	if err != nil {
		return fmt.Errorf("pcsctest: %w", err)
	}
	// pcscd owns the socket file's life from now on, and we must not keep a
	// listening copy: with our fd open, clients would queue on a dead
	// daemon's socket and hang instead of failing with SCARD_E_NO_SERVICE.
	ln.SetUnlinkOnClose(false)
	f, err := ln.File()
	ln.Close()
	if err != nil {
		return fmt.Errorf("pcsctest: %w", err)
	}
	defer f.Close()
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- pcsctest: start %s\n", time.Now().Format(time.RFC3339Nano))
	// sd_listen_fds() accepts the fd only if LISTEN_PID is its own pid, which
	// we learn only after fork: sh's $$ followed by exec keeps the pid.
	args := append([]string{"-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, d.opts.PCSCD, "-f", "-c", filepath.Join(d.dir, "conf")}, d.opts.Args...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.ExtraFiles = []*os.File{f} // fd 3 = SD_LISTEN_FDS_START
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "PCSCLITE_CSOCK_NAME="+d.sock)
	// Pdeathsig: a crashed test binary must not leave daemons behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pcsctest: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	d.mu.Lock()
	d.cmd, d.done = cmd, done
	d.mu.Unlock()
	if err := d.waitReady(done); err != nil {
		d.kill()
		return err
	}
	return nil
}

// waitReady waits until vpcd listens on both ports. It reads
// /proc/net/tcp{,6} rather than connecting, because a connection to vpcd
// would be taken for a card.
func (d *Daemon) waitReady(done <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if listening(d.port) && listening(d.port+1) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pcsctest: vpcd not listening on %d after %v\n%s", d.port, readyTimeout, d.Log())
		}
		select {
		case <-done:
			return fmt.Errorf("pcsctest: pcscd exited during start\n%s", d.Log())
		case <-tick.C:
		}
	}
}

// listening reports whether a TCP socket is in LISTEN state on port.
func listening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, p := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			// sl local_address rem_address st ...; st 0A is LISTEN
			if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
				return true
			}
		}
	}
	return false
}

// Stop shuts pcscd down with SIGTERM (SIGKILL after a bound) and waits for
// it. The directory stays until Close.
func (d *Daemon) Stop() error {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.cmd = nil
	d.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopTimeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return errors.New("pcsctest: pcscd ignored SIGTERM")
	}
	return nil
}

// Kill ends pcscd with SIGKILL, as a crash would, and waits for it.
func (d *Daemon) Kill() {
	d.kill()
}

func (d *Daemon) kill() {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.cmd = nil
	d.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// Restart kills pcscd (SIGKILL, like a crash: clients see
// SCARD_E_NO_SERVICE and their contexts die) and starts it again on the
// same socket and ports. Virtual cards lose their connection and must
// redial.
func (d *Daemon) Restart() error {
	d.kill()
	return d.Resume()
}

// Resume starts pcscd again after Stop or Kill.
func (d *Daemon) Resume() error {
	d.mu.Lock()
	running := d.cmd != nil
	d.mu.Unlock()
	if running {
		return errors.New("pcsctest: pcscd is running")
	}
	return d.start()
}

// Close stops pcscd and removes its directory. Another Start in this
// process then gets the same socket path.
func (d *Daemon) Close() error {
	err := d.Stop()
	os.RemoveAll(d.dir)
	startedMu.Lock()
	if started == d {
		started = nil
	}
	startedMu.Unlock()
	return err
}

// Socket is the path of the daemon's client socket.
func (d *Daemon) Socket() string { return d.sock }

// VPCDAddr is the host:port a virtual card for slot 0 or 1 dials.
func (d *Daemon) VPCDAddr(slot int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port+slot))
}

// ReaderName is the PC/SC name of the reader for slot 0 or 1.
func (d *Daemon) ReaderName(slot int) string {
	return fmt.Sprintf("%s 00 %02d", FriendlyName, slot)
}

// Log returns what pcscd wrote so far (for failure messages).
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.logPath)
	const keep = 8 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}
