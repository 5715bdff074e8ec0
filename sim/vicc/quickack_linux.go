package vicc

import (
	"net"
	"syscall"
)

// quickAck sets TCP_QUICKACK so the kernel ACKs the next segment at once
// instead of after the delayed-ACK timer; Linux clears it again after an ACK,
// hence "before every read".
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
