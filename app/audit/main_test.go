package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgBin is where Debian's postgresql-15 package puts the server binaries.
const pgBin = "/usr/lib/postgresql/15/bin"

// pg is the test's private PostgreSQL server (TestMain).
var pg *pgServer

func TestMain(m *testing.M) {
	if os.Getenv(appenderEnv) != "" {
		os.Exit(runAppender())
	}
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.fuzzworker") {
			// A fuzzing worker runs only the fuzz target: no server.
			os.Exit(m.Run())
		}
	}
	var err error
	pg, err = startPostgres()
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit tests: cannot start the test PostgreSQL server: %v\n"+
			"hint: apt-get install -y --no-install-recommends postgresql (binaries in %s)\n", err, pgBin)
		os.Exit(2)
	}
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	if err := pg.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "audit tests: stopping PostgreSQL: %v\n", err)
	}
	os.RemoveAll(pg.dir)
	os.Exit(code)
}

// pgServer is a PostgreSQL server on a private socket directory and port,
// run as the postgres OS user when the tests run as root (postgres refuses
// to run as root).
type pgServer struct {
	dir  string // holds data/ and the socket
	port int
	cmd  *exec.Cmd
	uid  int
	gid  int
}

func (s *pgServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%d&sslmode=disable", s.dir, s.port)
}

func (s *pgServer) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pgBin, name)
	if os.Geteuid() == 0 {
		// setpriv execs the server in place (no intermediate process), so
		// signals reach postgres itself.
		args = append([]string{"--reuid=postgres", "--regid=postgres", "--init-groups", path}, args...)
		return exec.Command("setpriv", args...)
	}
	return exec.Command(path, args...)
}

func startPostgres() (*pgServer, error) {
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(pgBin, b)); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "taimen-pg-")
	if err != nil {
		return nil, err
	}
	s := &pgServer{dir: dir}
	if os.Geteuid() == 0 {
		out, err := exec.Command("id", "-u", "postgres").Output()
		if err != nil {
			return nil, fmt.Errorf("no postgres OS user: %w", err)
		}
		s.uid, _ = strconv.Atoi(string(out[:len(out)-1]))
		out, err = exec.Command("id", "-g", "postgres").Output()
		if err != nil {
			return nil, err
		}
		s.gid, _ = strconv.Atoi(string(out[:len(out)-1]))
		if err := os.Chown(dir, s.uid, s.gid); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if out, err := s.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	return s, s.start()
}

func (s *pgServer) start() error {
	s.cmd = s.command("postgres", "-D", filepath.Join(s.dir, "data"), "-k", s.dir, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=40")
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		db, err := sql.Open("pgx", s.dsn())
		if err == nil {
			err = db.PingContext(context.Background())
			db.Close()
			if err == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return fmt.Errorf("postgres did not accept connections within 30 s: %s", log)
}

// stop shuts the server down (fast shutdown: SIGINT) and waits.
func (s *pgServer) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		s.cmd = nil
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
		s.cmd = nil
		return fmt.Errorf("postgres did not stop within 30 s")
	}
}

// freshDB creates an empty database on the test server and returns its DSN.
func freshDB(t testing.TB) string {
	t.Helper()
	db, err := sql.Open("pgx", pg.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum := sha256.Sum256([]byte(t.Name()))
	name := fmt.Sprintf("t_%x", sum[:6])
	if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", name, pg.dir, pg.port)
}
