package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Settings are the terminal's settings, kept as JSON in
// <user config dir>/taimen/settings.json.
type Settings struct {
	Reader             string   `json:"reader"` // "" = the first reader something is put on
	IdleTimeoutSeconds int      `json:"idleTimeoutSeconds"`
	TrustPaths         []string `json:"trustPaths"`
	VICALPaths         []string `json:"vicalPaths"`
	Language           string   `json:"language"` // "ja" or "en"
}

// SettingsResult is SaveSettings' answer.
type SettingsResult struct {
	OK       bool       `json:"ok"`
	Error    *CodeError `json:"error,omitempty"`
	Settings Settings   `json:"settings"`
}

// Settings limits and defaults.
const (
	DefaultIdleTimeoutSeconds = 120
	MinIdleTimeoutSeconds     = 10
	MaxIdleTimeoutSeconds     = 3600
	settingsFile              = "settings.json"
)

// DefaultSettings are used until the clerk saves any.
func DefaultSettings() Settings {
	return Settings{IdleTimeoutSeconds: DefaultIdleTimeoutSeconds, TrustPaths: []string{}, VICALPaths: []string{}, Language: "ja"}
}

// normalize fills defaults and checks the fields; the error names the
// field (never a value a customer gave: settings hold none).
func (s Settings) normalize() (Settings, *CodeError) {
	if s.IdleTimeoutSeconds == 0 {
		s.IdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
	if s.Language == "" {
		s.Language = "ja"
	}
	s.TrustPaths = slices.DeleteFunc(slices.Clone(s.TrustPaths), func(p string) bool { return p == "" })
	s.VICALPaths = slices.DeleteFunc(slices.Clone(s.VICALPaths), func(p string) bool { return p == "" })
	if s.TrustPaths == nil {
		s.TrustPaths = []string{}
	}
	if s.VICALPaths == nil {
		s.VICALPaths = []string{}
	}
	switch {
	case s.IdleTimeoutSeconds < MinIdleTimeoutSeconds || s.IdleTimeoutSeconds > MaxIdleTimeoutSeconds:
		return s, &CodeError{Code: CodeInvalidSettings, Detail: "idleTimeoutSeconds"}
	case s.Language != "ja" && s.Language != "en":
		return s, &CodeError{Code: CodeInvalidSettings, Detail: "language"}
	}
	return s, nil
}

// ConfigDir is the folder of Taimen's settings and trust anchors:
// <user config dir>/taimen (e.g. ~/.config/taimen, %AppData%\taimen).
func ConfigDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("settings: %w", err)
	}
	return filepath.Join(dir, "taimen"), nil
}

// loadSettings reads dir/settings.json; a missing file gives the defaults.
func loadSettings(dir string) (Settings, error) {
	data, err := os.ReadFile(filepath.Join(dir, settingsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return DefaultSettings(), fmt.Errorf("settings: %w", err)
	}
	s := DefaultSettings()
	if err := json.Unmarshal(data, &s); err != nil {
		return DefaultSettings(), fmt.Errorf("settings: %s: %w", settingsFile, err)
	}
	n, cerr := s.normalize()
	if cerr != nil {
		return DefaultSettings(), fmt.Errorf("settings: %s: invalid %s", settingsFile, cerr.Detail)
	}
	return n, nil
}

// saveSettings writes dir/settings.json atomically: a temporary file in
// the same folder, synced, then renamed over the old one, so a crash or a
// full disk never leaves half a settings file. The file is 0600: it names
// the paths the terminal trusts.
func saveSettings(dir string, s Settings) (err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	f, err := os.CreateTemp(dir, settingsFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, settingsFile)); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}
