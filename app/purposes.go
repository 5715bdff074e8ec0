package app

import (
	"time"

	"taimen/app/purpose"
)

// PurposeInfo is one purpose as the picker shows it.
type PurposeInfo struct {
	ID            string       `json:"id"`
	Name          purpose.Text `json:"name"`
	LegalBasis    purpose.Text `json:"legalBasis"`
	Attributes    []string     `json:"attributes"`
	Retain        []string     `json:"retain"`
	RetentionDays int          `json:"retentionDays"`
	AgeOver       int          `json:"ageOver"`
}

func purposeInfo(p purpose.Purpose) PurposeInfo {
	info := PurposeInfo{
		ID: p.ID, Name: p.Name, LegalBasis: p.LegalBasis, AgeOver: p.AgeOver,
		Attributes: make([]string, 0, len(p.Attributes)), Retain: make([]string, 0, len(p.Retain)),
		RetentionDays: int(time.Duration(p.Retention) / (24 * time.Hour)),
	}
	for _, a := range p.Attributes {
		info.Attributes = append(info.Attributes, string(a))
	}
	for _, a := range p.Retain {
		info.Retain = append(info.Retain, string(a))
	}
	return info
}
