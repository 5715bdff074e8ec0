package purpose

import "time"

const day = 24 * time.Hour

// Built-in purpose IDs (the CLI contract's `--purpose` values).
const (
	AccountOpening = "account-opening"
	PhoneContract  = "phone-contract"
	AgeCheck       = "age-check"
	Rental         = "rental"
)

// Builtin returns the built-in purposes. Retention periods follow the
// record-keeping rules named in each legal basis; compliance can override
// any of them in the config file (see Load).
func Builtin() []Purpose {
	return []Purpose{
		{
			ID:   AccountOpening,
			Name: Text{JA: "口座開設", EN: "Account opening"},
			LegalBasis: Text{
				JA: "犯罪による収益の移転防止に関する法律（犯収法）第4条（取引時確認）・第6条（確認記録の作成と7年間の保存）",
				EN: "Act on Prevention of Transfer of Criminal Proceeds, Art. 4 (verification at the time of transaction) and Art. 6 (verification records kept for 7 years)",
			},
			Attributes: []Attribute{Name, Address, BirthDate, Portrait},
			Retain:     []Attribute{Name, Address, BirthDate},
			Retention:  Duration(7*365*day + 2*day),
		},
		{
			ID:   PhoneContract,
			Name: Text{JA: "携帯電話契約", EN: "Mobile phone contract"},
			LegalBasis: Text{
				JA: "携帯音声通信事業者による契約者等の本人確認等及び携帯音声通信役務の不正な利用の防止に関する法律（携帯電話不正利用防止法）第3条（本人確認）・第4条（本人確認記録）",
				EN: "Act on Identification of Mobile Phone Subscribers and Prevention of Improper Use, Art. 3 (identity verification) and Art. 4 (verification records)",
			},
			Attributes: []Attribute{Name, Address, BirthDate, Portrait},
			Retain:     []Attribute{Name, Address, BirthDate},
			Retention:  Duration(3*365*day + day),
		},
		{
			ID:   AgeCheck,
			Name: Text{JA: "年齢確認", EN: "Age check"},
			LegalBasis: Text{
				JA: "二十歳未満ノ者ノ飲酒ノ禁止ニ関スル法律・二十歳未満ノ者ノ喫煙ノ禁止ニ関スル法律（年齢の確認）。記録に個人情報は残しません",
				EN: "Acts prohibiting drinking and smoking by persons under 20 (age verification). No personal data is kept",
			},
			Attributes: []Attribute{AgeOver, Portrait},
			AgeOver:    20,
		},
		{
			ID:   Rental,
			Name: Text{JA: "レンタル", EN: "Rental"},
			LegalBasis: Text{
				JA: "貸渡契約に基づく本人確認（レンタカーは道路運送法第80条の許可に基づく貸渡簿の記載と運転資格の確認）",
				EN: "Identity check for a rental contract (rental cars: the rental register and driving entitlement check under Road Transport Act Art. 80 permits)",
			},
			Attributes: []Attribute{Name, Address, BirthDate, Portrait, DrivingPrivileges},
			Retain:     []Attribute{Name, Address},
			Retention:  Duration(2*365*day + day),
		},
	}
}
