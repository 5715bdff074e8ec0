package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
)

// TerminalKeys are a terminal's audit secrets: its ID, the Ed25519 key
// that signs checkpoints and the HMAC secret of subject keys.
type TerminalKeys struct {
	TerminalID string
	Signing    ed25519.PrivateKey
	Secret     []byte // 32 bytes
}

// Public returns the checkpoint verification key.
func (k *TerminalKeys) Public() ed25519.PublicKey { return k.Signing.Public().(ed25519.PublicKey) }

// Fingerprint is the SHA-256 of a public key in hex, for comparing keys
// by eye or in a register.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

// GenerateKeys makes new terminal keys from rand. The Ed25519 key is
// derived from a 32-byte seed read from rand, so a test's rand gives a
// reproducible key.
func GenerateKeys(terminalID string, rand io.Reader) (*TerminalKeys, error) {
	if terminalID == "" {
		return nil, fmt.Errorf("audit: empty terminal id: %w", ErrKey)
	}
	buf := make([]byte, ed25519.SeedSize+32)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, fmt.Errorf("audit: key randomness: %w", err)
	}
	return &TerminalKeys{TerminalID: terminalID, Signing: ed25519.NewKeyFromSeed(buf[:ed25519.SeedSize]), Secret: buf[ed25519.SeedSize:]}, nil
}

type keyFile struct {
	Format   string `json:"format"`
	Terminal string `json:"terminal"`
	Seed     string `json:"ed25519Seed"`
	Secret   string `json:"hmacSecret"`
}

const keyFormat = "taimen-audit-key-v1"

// SaveKeys writes keys to a new file readable by its owner only (0600).
// An existing file is never overwritten: replacing a terminal's key would
// orphan its chain.
func SaveKeys(path string, k *TerminalKeys) error {
	b, err := json.MarshalIndent(keyFile{keyFormat, k.TerminalID, hex.EncodeToString(k.Signing.Seed()), hex.EncodeToString(k.Secret)}, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit: key file: %w: %w", ErrKey, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("audit: key file: %w: %w", ErrKey, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("audit: key file: %w: %w", ErrKey, err)
	}
	return f.Close()
}

// LoadKeys reads a key file written by SaveKeys. On Unix a file that
// group or others may read is refused, as ssh does.
func LoadKeys(path string) (*TerminalKeys, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("audit: key file: %w: %w", ErrKey, err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit: key file %s has mode %04o, want 0600: %w", path, st.Mode().Perm(), ErrKey)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: key file: %w: %w", ErrKey, err)
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Format != keyFormat || kf.Terminal == "" {
		return nil, fmt.Errorf("audit: key file %s is not a %s file: %w", path, keyFormat, ErrKey)
	}
	seed, err1 := hex.DecodeString(kf.Seed)
	secret, err2 := hex.DecodeString(kf.Secret)
	if err1 != nil || err2 != nil || len(seed) != ed25519.SeedSize || len(secret) != 32 {
		return nil, fmt.Errorf("audit: key file %s: bad key material: %w", path, ErrKey)
	}
	return &TerminalKeys{TerminalID: kf.Terminal, Signing: ed25519.NewKeyFromSeed(seed), Secret: secret}, nil
}

// LoadOrCreateKeys loads the key file, or creates it with keys from rand
// when it does not exist.
func LoadOrCreateKeys(path, terminalID string, rand io.Reader) (*TerminalKeys, error) {
	k, err := LoadKeys(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if k, err = GenerateKeys(terminalID, rand); err != nil {
		return nil, err
	}
	if err := SaveKeys(path, k); err != nil {
		return nil, err
	}
	return k, nil
}
