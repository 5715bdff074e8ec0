package app

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	vmyna "taimen/verify/myna"
	"taimen/verify/trust"
)

// AnchorInfo is one trust anchor as the settings screen lists it.
type AnchorInfo struct {
	Subject     string `json:"subject"`
	Country     string `json:"country"`
	Purpose     string `json:"purpose"`
	Fingerprint string `json:"fingerprint"`
	NotAfter    string `json:"notAfter"` // RFC 3339
	Source      string `json:"source"`   // file path, "vical:<provider>" or "demo"
}

// SourceDemo marks the simulators' test roots, loaded in demo mode only.
const SourceDemo = "demo"

// trustConfig is what the settings' trust fields load to.
type trustConfig struct {
	store   *trust.Store
	anchors []trust.Anchor
	jlis    []vmyna.CAKey // J-LIS CA keys for the plastic card
}

// loadTrust builds the IACA store from the settings: the trust paths (or,
// when none are set, <config>/trust/iaca if it exists, as `taimen tap`
// does), the IACAs of each VICAL (verified against the VICAL signer roots
// in <config>/trust/vical_signer), and the demo anchors.
func loadTrust(configDir string, s Settings, demo []trust.Anchor, at time.Time) (*trustConfig, *CodeError) {
	var anchors []trust.Anchor
	paths := s.TrustPaths
	if len(paths) == 0 && configDir != "" {
		if dir := filepath.Join(configDir, "trust", "iaca"); exists(dir) {
			paths = []string{dir}
		}
	}
	for _, p := range paths {
		as, err := trust.Load(trust.IACA, p)
		if err != nil {
			return nil, &CodeError{Code: CodeTrustPath, Detail: p}
		}
		anchors = append(anchors, as...)
	}
	if len(s.VICALPaths) > 0 {
		var signers []trust.Anchor
		if dir := filepath.Join(configDir, "trust", "vical_signer"); configDir != "" && exists(dir) {
			as, err := trust.Load(trust.VICALSigner, dir)
			if err != nil {
				return nil, &CodeError{Code: CodeTrustPath, Detail: dir}
			}
			signers = as
		}
		signerStore := trust.NewStore(signers...)
		for _, p := range s.VICALPaths {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, &CodeError{Code: CodeVICAL, Detail: p}
			}
			v, err := trust.ParseVICAL(data, signerStore, at)
			if err != nil {
				code := "malformed"
				var ve *trust.VICALError
				if errors.As(err, &ve) {
					code = ve.Code
				}
				return nil, &CodeError{Code: CodeVICAL, Detail: fmt.Sprintf("%s: %s", p, code)}
			}
			anchors = append(anchors, v.Anchors...)
		}
	}
	anchors = append(anchors, demo...)
	st := trust.NewStore(anchors...)
	tc := &trustConfig{store: st, anchors: st.All()}
	// J-LIS publishes no CA keys; IT puts the ones it obtained in
	// <config>/trust/jlis (verify/myna ParseCAKeys formats).
	if dir := filepath.Join(configDir, "trust", "jlis"); configDir != "" && exists(dir) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, &CodeError{Code: CodeTrustPath, Detail: dir}
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, &CodeError{Code: CodeTrustPath, Detail: p}
			}
			keys, err := vmyna.ParseCAKeys(p, data)
			if err != nil {
				return nil, &CodeError{Code: CodeTrustPath, Detail: p}
			}
			tc.jlis = append(tc.jlis, keys...)
		}
	}
	return tc, nil
}

// jlisInfo lists a J-LIS CA key: it has no certificate, so its 証明者鍵ID
// stands for subject and fingerprint.
func jlisInfo(k vmyna.CAKey) AnchorInfo {
	info := AnchorInfo{Subject: "J-LIS CA key", Country: "JP", Purpose: string(trust.JLIS), Source: k.Source}
	if k.ID != nil {
		info.Subject += " " + k.ID.String()
		info.Fingerprint = hex.EncodeToString(k.ID[:])
	}
	return info
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist) && err == nil
}

func anchorInfo(a trust.Anchor) AnchorInfo {
	info := AnchorInfo{Purpose: string(a.Purpose), Fingerprint: a.FingerprintHex(), Source: a.Source}
	if a.Cert != nil {
		info.Subject = a.Cert.Subject.String()
		if len(a.Cert.Subject.Country) > 0 {
			info.Country = a.Cert.Subject.Country[0]
		}
		info.NotAfter = a.Cert.NotAfter.UTC().Format(time.RFC3339)
	}
	return info
}
