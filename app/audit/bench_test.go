package audit

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAppend: durable appends (WAL, synchronous=FULL: one fsync per
// commit) of an entry with one retained value, on a real file.
func BenchmarkAppend(b *testing.B) {
	l, _ := newLog(b, DefaultCheckpointEvery)
	rec := record(1, "YAMADA")
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if _, err := l.Append(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

const chain1M = 1_000_000

var (
	chainOnce sync.Once
	chainPath string
	chainErr  error
	benchDir  string // removed by TestMain
)

// generateChain writes a 1,000,000-entry chain (every 100th with a value)
// quickly: the same entries, hashes and checkpoints as Append writes, but
// 10,000 entries per transaction and without fsync, since only the
// result is measured.
func generateChain(tb testing.TB) string {
	chainOnce.Do(func() {
		benchDir, chainErr = os.MkdirTemp("", "taimen-audit-bench-")
		if chainErr != nil {
			return
		}
		chainPath = filepath.Join(benchDir, "chain1m.db")
		l, err := Open(context.Background(), chainPath, Options{Keys: testKeys(tb, "T-BENCH"), Now: newClock().Now, Rand: newRand("bench")})
		if err != nil {
			chainErr = err
			return
		}
		defer l.Close()
		if _, err := l.db.Exec(`PRAGMA synchronous = OFF`); err != nil {
			chainErr = err
			return
		}
		ctx := context.Background()
		plain, kept := record(1, ""), record(2, "YAMADA")
		const perTx = 10_000
		for done := 0; done < chain1M && chainErr == nil; done += perTx {
			chainErr = func() error {
				tx, err := l.db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				defer tx.Rollback()
				for i := done; i < done+perTx; i++ {
					rec := plain
					if i%100 == 0 {
						rec = kept
					}
					now := l.opts.Now()
					e, vals, err := l.build(rec, now)
					if err != nil {
						return err
					}
					body, err := EncodeEntry(e)
					if err != nil {
						return err
					}
					hash := EntryHash(body)
					id := l.keys.TerminalID
					if _, err := tx.Exec(`INSERT INTO audit_entries (terminal_id, seq, hash, body) VALUES (?, ?, ?, ?)`, id, int64(e.Seq), hash, body); err != nil {
						return err
					}
					for _, v := range vals {
						if _, err := tx.Exec(`INSERT INTO audit_values (terminal_id, seq, idx, expires_at, salt, value) VALUES (?, ?, ?, ?, ?, ?)`, id, int64(e.Seq), v.idx, int64(v.expires), v.salt, v.value); err != nil {
							return err
						}
					}
					if e.Seq%l.every == 0 || e.Seq == chain1M {
						cp := signCheckpoint(l.keys.Signing, id, e.Seq, hash, MillisOf(now))
						if _, err := tx.Exec(`INSERT INTO audit_checkpoints (terminal_id, seq, head, signed_at, signature) VALUES (?, ?, ?, ?, ?)`, id, int64(cp.Seq), cp.Head, int64(cp.SignedAt), cp.Signature); err != nil {
							return err
						}
					}
					l.seq, l.head = e.Seq, hash
				}
				return tx.Commit()
			}()
		}
		if chainErr == nil {
			_, chainErr = l.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
	})
	if chainErr != nil {
		tb.Fatal(chainErr)
	}
	return chainPath
}

// BenchmarkVerifyChain1M verifies a 1,000,000-entry chain from its file,
// streaming the rows (memory stays bounded: see the heap metric).
func BenchmarkVerifyChain1M(b *testing.B) {
	path := generateChain(b)
	s := openStore(b, path)
	var peak uint64
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		rep, err := s.Verify(context.Background(), VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !rep.Intact() || rep.Terminals[0].Entries != chain1M {
			b.Fatalf("report %+v %+v", rep.Terminals, rep.First())
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(chain1M)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/chain1M, "cpu-ns/entry")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}

// processCPU is the CPU time (user + system) of the process: on a machine
// shared with other jobs, wall time measures the queue for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
