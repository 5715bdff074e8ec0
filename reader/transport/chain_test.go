package transport

import "taimen/reader"

// The card layer chains at the holder's limit (18013-5 §8.3.3.1.2).
var _ ChainLimiter = (*reader.Transceiver)(nil)
