#include "socket_probe.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

#include <cerrno>

namespace outrider::sidecar {

bool idleConnectionIsClean(int fd) {
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::optional<std::uint64_t> bytesAckedByPeer(int fd) {
  struct tcp_info info {};
  socklen_t length = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
      length < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(info.tcpi_bytes_acked)) {
    return std::nullopt;
  }
  // tcpi_bytes_acked counts the acknowledged SYN as one byte.
  return info.tcpi_bytes_acked > 0 ? info.tcpi_bytes_acked - 1 : 0;
}

}  // namespace outrider::sidecar
