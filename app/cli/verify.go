package cli

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"taimen/verify/mdoc"
	"taimen/verify/trust"
)

// verifyOutput is the JSON of `taimen verify`: the verifier's result, plus
// timing when --repeat is given.
type verifyOutput struct {
	*mdoc.Result
	Timing *timing `json:"timing,omitempty"`
}

type timing struct {
	Repeat      int     `json:"repeat"`
	PerVerifyUS float64 `json:"per_verify_us"`
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// runVerify: taimen verify --trust PATH... [--at RFC3339] [--transcript FILE]
// [--reader-key FILE] [--repeat N] RESPONSE
func runVerify(env *Env, args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		trustPaths stringList
		at         = fs.String("at", "", "verification time, RFC 3339 (default: now)")
		transcript = fs.String("transcript", "", "SessionTranscriptBytes (tag 24) or the bare encoded array")
		readerKey  = fs.String("reader-key", "", "the reader's ephemeral private key: PEM, or the scalar d in hex")
		repeat     = fs.Int("repeat", 0, "verify N times and report the mean time per verification")
	)
	fs.Var(&trustPaths, "trust", "trust anchor file or folder (PEM/DER); repeatable")
	if err := fs.Parse(args); err != nil {
		fail(env.Stderr, fmt.Errorf("verify: %w", err), "usage: taimen verify --trust PATH... [--at RFC3339] [--transcript FILE] [--reader-key FILE] [--repeat N] RESPONSE")
		return ExitUsage
	}
	pos := fs.Args()
	if len(pos) == 0 {
		fail(env.Stderr, errors.New("verify: no response file given"), "usage: taimen verify --trust PATH... RESPONSE (use - for standard input)")
		return ExitUsage
	}
	// "--trust PATH..." may list several paths after one flag: every
	// positional argument before the response is one more trust path.
	trustPaths = append(trustPaths, pos[:len(pos)-1]...)
	respPath := pos[len(pos)-1]

	opts := mdoc.VerifyOptions{At: time.Now().UTC()}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("verify: --at %q is not an RFC 3339 time", *at), "for example --at 2021-04-01T00:00:00Z")
			return ExitUsage
		}
		opts.At = t
	}
	if len(trustPaths) == 0 {
		fail(env.Stderr, errors.New("verify: no trust anchors given"), "pass the issuing authority's root with --trust FILE (PEM or DER) or a folder of them")
		return ExitUsage
	}
	anchors, err := trust.Load(trust.IACA, trustPaths...)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("verify: trust anchors: %w", err), "check that each --trust path is a PEM or DER certificate or a folder of them")
		return ExitUsage
	}
	opts.Trust = trust.NewStore(anchors...)

	if *transcript != "" {
		raw, err := env.ReadFile(*transcript)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("verify: transcript: %w", err), "")
			return ExitUsage
		}
		st, err := mdoc.ParseSessionTranscript(decodeMaybeHex(raw))
		if err != nil {
			fail(env.Stderr, fmt.Errorf("verify: transcript: %w", err), "--transcript takes SessionTranscriptBytes (tag 24) or the bare encoded array, raw or hex")
			return ExitUsage
		}
		opts.Transcript = &st
	}
	if *readerKey != "" {
		raw, err := env.ReadFile(*readerKey)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("verify: reader key: %w", err), "")
			return ExitUsage
		}
		k, err := parseReaderKey(raw)
		if err != nil {
			fail(env.Stderr, fmt.Errorf("verify: reader key: %w", err), "--reader-key takes a PEM private key or the scalar d in hex")
			return ExitUsage
		}
		opts.ReaderKey = k
	}
	raw, err := env.ReadFile(respPath)
	if err != nil {
		fail(env.Stderr, fmt.Errorf("verify: %w", err), "")
		return ExitUsage
	}
	resp := decodeMaybeHex(raw)

	res := mdoc.VerifyResponse(resp, opts)
	out := verifyOutput{Result: res}
	if *repeat > 0 {
		start := time.Now()
		for range *repeat {
			res = mdoc.VerifyResponse(resp, opts)
		}
		el := time.Since(start)
		out.Result = res
		out.Timing = &timing{Repeat: *repeat, PerVerifyUS: float64(el.Microseconds()) / float64(*repeat)}
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(env.Stderr, fmt.Errorf("verify: writing result: %w", err), "")
		return ExitUsage
	}
	if !res.Valid {
		return ExitInvalid
	}
	return ExitValid
}

// parseReaderKey reads an EC private key as PEM (SEC 1 or PKCS #8) or as
// the scalar d in hex, whose length picks the curve (32 bytes P-256,
// 48 P-384, 66 P-521).
func parseReaderKey(raw []byte) (*ecdh.PrivateKey, error) {
	if blk, _ := pem.Decode(raw); blk != nil {
		if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
			return k.ECDH()
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pem block %q is not an ec private key", blk.Type)
		}
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			return k.ECDH()
		case *ecdh.PrivateKey:
			return k, nil
		}
		return nil, fmt.Errorf("pkcs #8 key of type %T is not an ec key", k)
	}
	d, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, errors.New("neither pem nor hex")
	}
	var c ecdh.Curve
	switch len(d) {
	case 32:
		c = ecdh.P256()
	case 48:
		c = ecdh.P384()
	case 66:
		c = ecdh.P521()
	default:
		return nil, fmt.Errorf("a %d-byte scalar fits no supported curve", len(d))
	}
	return c.NewPrivateKey(d)
}
