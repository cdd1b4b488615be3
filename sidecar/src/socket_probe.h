#pragma once

#include <cstdint>
#include <optional>

namespace outrider::sidecar {

// Kernel-level facts about a connected TCP socket, each one non-blocking system call. Kept apart
// from Asio: <linux/tcp.h> (which has tcpi_bytes_acked) cannot share a unit with <netinet/tcp.h>.

// An idle keep-alive connection is clean when the peer has sent nothing and not closed: a
// MSG_PEEK|MSG_DONTWAIT recv that would block. Any byte, EOF or error makes it unusable.
bool idleConnectionIsClean(int fd);

// The bytes of our data the peer's TCP has acknowledged since the connection opened (the SYN is
// not counted), or nullopt where the kernel cannot tell.
std::optional<std::uint64_t> bytesAckedByPeer(int fd);

}  // namespace outrider::sidecar
