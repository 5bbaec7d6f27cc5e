// kroute_sockopt: the few socket calls node:net cannot make for a BGP speaker.
//  - socket(): create a TCP fd natively, optionally inside a named network namespace, so that TCP-MD5 and TTL
//    options can be set before the SYN (libuv only creates the fd inside connect()).
//  - bind()/listen(): so a listening fd can be prepared (SO_REUSEADDR, IPV6_V6ONLY) before node:net adopts it.
//  - setMd5(): TCP_MD5SIG / TCP_MD5SIG_EXT (RFC 2385), whose value is a struct no JS API can build.
//  - setInt()/getInt(): integer options (IP_TTL, IP_MINTTL, IPV6_UNICAST_HOPS, IPV6_MINHOPCOUNT, ...).
// Errors are thrown as JS Errors with `code` (errno name), `errno` and `syscall` set, like node's own.
#include <napi.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

const char* ErrnoName(int err) {
  switch (err) {
    case EACCES: return "EACCES";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOTSOCK: return "ENOTSOCK";
    case EPERM: return "EPERM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "EUNKNOWN";
  }
}

Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& detail = "") {
  std::string msg = std::string(syscall) + " failed: " + strerror(err);
  if (!detail.empty()) msg += " (" + detail + ")";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool IsInt(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].IsNumber(); }

int SocketDomain(int fd) {
  int domain = 0;
  socklen_t len = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return -1;
  return domain;
}

// Parses `addr` for a socket of family `domain`. An IPv4 address on an AF_INET6 socket becomes ::ffff:a.b.c.d,
// which is how the kernel sees IPv4 peers of a dual-stack socket (keys must be set in that form).
// Returns false if the address does not parse; *mapped tells whether the IPv4-mapped form was used.
bool ParseAddr(const std::string& addr, int domain, uint16_t port, sockaddr_storage* ss, socklen_t* len,
               bool* mapped) {
  memset(ss, 0, sizeof(*ss));
  *mapped = false;
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
    if (domain == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      sin6->sin6_addr.s6_addr[10] = 0xff;
      sin6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
      *len = sizeof(sockaddr_in6);
      *mapped = true;
      return true;
    }
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = v4;
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, addr.c_str(), &v6) == 1 && domain == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = v6;
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// socket(family: 4|6, netns?: string|null): number
Napi::Value Socket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0)) return ThrowType(env, "socket(family, netns?): family must be 4 or 6");
  int family = info[0].As<Napi::Number>().Int32Value();
  if (family != 4 && family != 6) return ThrowType(env, "socket(family, netns?): family must be 4 or 6");
  int domain = family == 4 ? AF_INET : AF_INET6;
  std::string netns;
  if (info.Length() > 1 && info[1].IsString()) netns = info[1].As<Napi::String>().Utf8Value();

  if (netns.empty()) {
    int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) return ThrowErrno(env, "socket", errno);
    return Napi::Number::New(env, fd);
  }
  if (netns.find('/') != std::string::npos || netns == "." || netns == "..")
    return ThrowType(env, "socket(family, netns): netns must be a bare namespace name");

  // A socket belongs to the namespace that was current on the creating thread when socket() ran, and stays there.
  // setns() affects only the calling thread, so the switch is invisible to libuv's threads; we switch straight back.
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return ThrowErrno(env, "open", errno, "/proc/thread-self/ns/net");
  std::string path = "/var/run/netns/" + netns;
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(self);
    return ThrowErrno(env, "open", err, path);
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    int err = errno;
    close(target);
    close(self);
    return ThrowErrno(env, "setns", err, path);
  }
  int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  int sockErr = errno;
  int back = setns(self, CLONE_NEWNET);
  int backErr = errno;
  close(target);
  close(self);
  if (back != 0) {
    // Staying in the wrong namespace would silently move every later socket of this process: fail loudly.
    if (fd >= 0) close(fd);
    return ThrowErrno(env, "setns", backErr, "returning to the original network namespace");
  }
  if (fd < 0) return ThrowErrno(env, "socket", sockErr, path);
  return Napi::Number::New(env, fd);
}

// bind(fd, address, port): void
Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0) || info.Length() < 3 || !info[1].IsString() || !info[2].IsNumber())
    return ThrowType(env, "bind(fd, address, port)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string addr = info[1].As<Napi::String>().Utf8Value();
  int port = info[2].As<Napi::Number>().Int32Value();
  if (port < 0 || port > 65535) return ThrowType(env, "bind: port out of range");
  int domain = SocketDomain(fd);
  if (domain < 0) return ThrowErrno(env, "getsockopt", errno, "SO_DOMAIN");
  sockaddr_storage ss;
  socklen_t len;
  bool mapped;
  if (!ParseAddr(addr, domain, static_cast<uint16_t>(port), &ss, &len, &mapped))
    return ThrowErrno(env, "bind", EAFNOSUPPORT, addr + " does not fit the socket's family");
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return ThrowErrno(env, "bind", errno, addr);
  return env.Undefined();
}

// listen(fd, backlog): void
Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0) || !IsInt(info, 1)) return ThrowType(env, "listen(fd, backlog)");
  if (listen(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value()) != 0)
    return ThrowErrno(env, "listen", errno);
  return env.Undefined();
}

// close(fd): void. Only for fds that were never handed to node:net.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0)) return ThrowType(env, "close(fd)");
  if (close(info[0].As<Napi::Number>().Int32Value()) != 0) return ThrowErrno(env, "close", errno);
  return env.Undefined();
}

// setMd5(fd, peer, key: string|Uint8Array|null, prefixLen?: number): void
// RFC 2385 key for segments to/from `peer`. A null or empty key removes it (removing an absent key is not an error).
// With prefixLen the key covers a prefix (TCP_MD5SIG_EXT + TCP_MD5SIG_FLAG_PREFIX). For an IPv4-mapped address the
// kernel takes the IPv4 prefix length as is (tcp_v6_parse_md5_keys stores the key as an AF_INET one).
Napi::Value SetMd5(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0) || info.Length() < 3 || !info[1].IsString())
    return ThrowType(env, "setMd5(fd, peer, key|null, prefixLen?)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string peer = info[1].As<Napi::String>().Utf8Value();
  std::string key;
  if (info[2].IsString()) {
    key = info[2].As<Napi::String>().Utf8Value();
  } else if (info[2].IsTypedArray()) {
    Napi::Uint8Array bytes = info[2].As<Napi::Uint8Array>();
    key.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    return ThrowType(env, "setMd5: key must be a string, a Uint8Array or null");
  }
  if (key.size() > TCP_MD5SIG_MAXKEYLEN) return ThrowErrno(env, "setsockopt", EINVAL, "TCP-MD5 key longer than 80 bytes");

  int domain = SocketDomain(fd);
  if (domain < 0) return ThrowErrno(env, "getsockopt", errno, "SO_DOMAIN");
  tcp_md5sig sig;
  memset(&sig, 0, sizeof(sig));
  socklen_t alen;
  bool mapped;
  if (!ParseAddr(peer, domain, 0, &sig.tcpm_addr, &alen, &mapped))
    return ThrowErrno(env, "setsockopt", EAFNOSUPPORT, peer + " does not fit the socket's family");
  sig.tcpm_keylen = static_cast<uint16_t>(key.size());
  memcpy(sig.tcpm_key, key.data(), key.size());

  int opt = TCP_MD5SIG;
  if (IsInt(info, 3)) {
    int prefix = info[3].As<Napi::Number>().Int32Value();
    int maxPrefix = (domain == AF_INET || mapped) ? 32 : 128;
    if (prefix < 0 || prefix > maxPrefix) return ThrowType(env, "setMd5: prefixLen out of range");
    opt = TCP_MD5SIG_EXT;
    sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
    sig.tcpm_prefixlen = static_cast<uint8_t>(prefix);
  }
  if (setsockopt(fd, IPPROTO_TCP, opt, &sig, sizeof(sig)) != 0) {
    int err = errno;
    if (key.empty() && err == ENOENT) return env.Undefined();
    return ThrowErrno(env, "setsockopt", err, opt == TCP_MD5SIG ? "TCP_MD5SIG " + peer : "TCP_MD5SIG_EXT " + peer);
  }
  return env.Undefined();
}

// setInt(fd, level, option, value): void
Napi::Value SetInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0) || !IsInt(info, 1) || !IsInt(info, 2) || !IsInt(info, 3))
    return ThrowType(env, "setInt(fd, level, option, value)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  int level = info[1].As<Napi::Number>().Int32Value();
  int opt = info[2].As<Napi::Number>().Int32Value();
  int value = info[3].As<Napi::Number>().Int32Value();
  if (setsockopt(fd, level, opt, &value, sizeof(value)) != 0)
    return ThrowErrno(env, "setsockopt", errno, "level " + std::to_string(level) + " option " + std::to_string(opt));
  return env.Undefined();
}

// getInt(fd, level, option): number
Napi::Value GetInt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0) || !IsInt(info, 1) || !IsInt(info, 2)) return ThrowType(env, "getInt(fd, level, option)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  int level = info[1].As<Napi::Number>().Int32Value();
  int opt = info[2].As<Napi::Number>().Int32Value();
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, opt, &value, &len) != 0)
    return ThrowErrno(env, "getsockopt", errno, "level " + std::to_string(level) + " option " + std::to_string(opt));
  return Napi::Number::New(env, value);
}

// domain(fd): 4 | 6
Napi::Value Domain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInt(info, 0)) return ThrowType(env, "domain(fd)");
  int d = SocketDomain(info[0].As<Napi::Number>().Int32Value());
  if (d < 0) return ThrowErrno(env, "getsockopt", errno, "SO_DOMAIN");
  return Napi::Number::New(env, d == AF_INET6 ? 6 : 4);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket));
  exports.Set("bind", Napi::Function::New(env, Bind));
  exports.Set("listen", Napi::Function::New(env, Listen));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("setMd5", Napi::Function::New(env, SetMd5));
  exports.Set("setInt", Napi::Function::New(env, SetInt));
  exports.Set("getInt", Napi::Function::New(env, GetInt));
  exports.Set("domain", Napi::Function::New(env, Domain));

  Napi::Object c = Napi::Object::New(env);
  c.Set("SOL_SOCKET", Napi::Number::New(env, SOL_SOCKET));
  c.Set("SO_REUSEADDR", Napi::Number::New(env, SO_REUSEADDR));
  c.Set("IPPROTO_IP", Napi::Number::New(env, IPPROTO_IP));
  c.Set("IPPROTO_IPV6", Napi::Number::New(env, IPPROTO_IPV6));
  c.Set("IPPROTO_TCP", Napi::Number::New(env, IPPROTO_TCP));
  c.Set("IP_TTL", Napi::Number::New(env, IP_TTL));
  c.Set("IP_MINTTL", Napi::Number::New(env, IP_MINTTL));
  c.Set("IPV6_UNICAST_HOPS", Napi::Number::New(env, IPV6_UNICAST_HOPS));
  c.Set("IPV6_MINHOPCOUNT", Napi::Number::New(env, IPV6_MINHOPCOUNT));
  c.Set("IPV6_V6ONLY", Napi::Number::New(env, IPV6_V6ONLY));
  c.Set("TCP_NODELAY", Napi::Number::New(env, TCP_NODELAY));
  c.Set("TCP_NOTSENT_LOWAT", Napi::Number::New(env, TCP_NOTSENT_LOWAT));
  c.Set("TCP_MD5SIG", Napi::Number::New(env, TCP_MD5SIG));
  c.Set("TCP_MD5SIG_EXT", Napi::Number::New(env, TCP_MD5SIG_EXT));
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(kroute_sockopt, Init)
