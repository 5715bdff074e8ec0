package trust

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"taimen/verify"
)

// maxFileSize bounds what the loaders read from one file.
const maxFileSize = 16 << 20

// ParseAnchors parses PEM (any number of CERTIFICATE blocks; other blocks
// are skipped) or one DER certificate as anchors of purpose p. The source
// is recorded on each anchor and names the input in errors.
func ParseAnchors(p Purpose, source string, data []byte) ([]Anchor, error) {
	var out []Anchor
	if bytes.Contains(data, []byte("-----BEGIN")) {
		rest := data
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("trust: %s: certificate %d: %w: %w", source, len(out), verify.ErrMalformed, err)
			}
			out = append(out, NewAnchor(c, p, source))
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("trust: %s: no CERTIFICATE block: %w", source, verify.ErrMalformed)
		}
		return out, nil
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %w: %w", source, verify.ErrMalformed, err)
	}
	return []Anchor{NewAnchor(c, p, source)}, nil
}

// Load reads PEM or DER files, or every *.pem/*.der/*.crt/*.cer file of a
// folder (not recursive), as anchors of purpose p. This and [LoadCRLs] are
// the package's only I/O.
func Load(p Purpose, paths ...string) ([]Anchor, error) {
	var out []Anchor
	err := readFiles(paths, []string{".pem", ".der", ".crt", ".cer"}, func(name string, data []byte) error {
		as, err := ParseAnchors(p, name, data)
		if err != nil {
			return err
		}
		out = append(out, as...)
		return nil
	})
	return out, err
}

// readFiles calls fn for each named file and for each file with one of
// exts in each named folder, in name order.
func readFiles(paths []string, exts []string, fn func(name string, data []byte) error) error {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("trust: %w", err)
		}
		files := []string{p}
		if fi.IsDir() {
			ents, err := os.ReadDir(p)
			if err != nil {
				return fmt.Errorf("trust: %w", err)
			}
			files = files[:0]
			for _, e := range ents {
				if e.Type().IsRegular() && slices.Contains(exts, strings.ToLower(filepath.Ext(e.Name()))) {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
			if len(files) == 0 {
				return fmt.Errorf("trust: %s: no %s files", p, strings.Join(exts, "/"))
			}
		}
		for _, f := range files {
			data, err := readLimited(f)
			if err != nil {
				return err
			}
			if err := fn(f, data); err != nil {
				return err
			}
		}
	}
	return nil
}

func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("trust: %s: %d bytes: %w", name, fi.Size(), verify.ErrTooLarge)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	return data, nil
}
