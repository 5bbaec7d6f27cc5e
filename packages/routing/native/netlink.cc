// kroute netlink addon: AF_NETLINK sockets for Node, optionally opened inside a named network namespace, read
// through libuv so that datagrams arrive in JS in batches. All message encoding and decoding lives in TypeScript;
// this file only moves bytes. A receive error (ENOBUFS above all) is reported to JS as an event; it never throws
// from the poll callback, so an overflowing notification socket cannot take the process down.
#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <vector>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

namespace {

// A kernel netlink skb never exceeds 32 KiB for dumps (the kernel caps its allocation there) and is far smaller for
// notifications; 64 KiB of headroom per datagram is comfortably above either, and MSG_TRUNC catches anything bigger.
constexpr size_t kMaxDatagram = 64 * 1024;
// One poll callback hands JS at most this many bytes (many datagrams concatenated), bounding the time spent in one
// libuv turn while keeping per-call overhead low.
constexpr size_t kBatchBytes = 1024 * 1024;
// ENOBUFS reports taken in one poll callback before yielding back to the event loop.
constexpr int kMaxOverflowReads = 16;

Napi::Error ErrnoError(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

std::string NetnsPath(const std::string& netns) {
  if (!netns.empty() && netns[0] == '/') return netns;
  return "/var/run/netns/" + netns;
}

// Creates the socket inside `netns` (empty: the caller's namespace). setns() changes only the calling thread's
// namespace, and we switch back before returning, so the rest of the process is unaffected.
int OpenSocketIn(const std::string& netns, int protocol, int* errOut, std::string* stepOut) {
  int original = -1;
  int target = -1;
  if (!netns.empty()) {
    original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) {
      *errOut = errno;
      *stepOut = "open /proc/thread-self/ns/net";
      return -1;
    }
    target = open(NetnsPath(netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      *errOut = errno;
      *stepOut = "open " + NetnsPath(netns);
      close(original);
      return -1;
    }
    if (setns(target, CLONE_NEWNET) != 0) {
      *errOut = errno;
      *stepOut = "setns " + NetnsPath(netns);
      close(original);
      close(target);
      return -1;
    }
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  int socketErr = errno;
  if (!netns.empty()) {
    // Going back cannot reasonably fail (we came from there), but if it does the thread is in the wrong namespace
    // and everything after would be wrong: abort rather than continue silently.
    if (setns(original, CLONE_NEWNET) != 0) {
      fprintf(stderr, "kroute netlink: cannot return to the original network namespace: %s\n", strerror(errno));
      abort();
    }
    close(original);
    close(target);
  }
  if (fd < 0) {
    *errOut = socketErr;
    *stepOut = "socket(AF_NETLINK)";
  }
  return fd;
}

class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NetlinkSocket",
                       {
                           InstanceMethod("send", &NetlinkSocket::Send),
                           InstanceMethod("start", &NetlinkSocket::Start),
                           InstanceMethod("stop", &NetlinkSocket::Stop),
                           InstanceMethod("ref", &NetlinkSocket::Ref),
                           InstanceMethod("unref", &NetlinkSocket::Unref),
                           InstanceMethod("close", &NetlinkSocket::Close),
                           InstanceMethod("addMembership", &NetlinkSocket::AddMembership),
                           InstanceMethod("dropMembership", &NetlinkSocket::DropMembership),
                           InstanceMethod("setNoEnobufs", &NetlinkSocket::SetNoEnobufs),
                           InstanceAccessor("portId", &NetlinkSocket::PortId, nullptr),
                           InstanceAccessor("receiveBufferSize", &NetlinkSocket::ReceiveBufferSize, nullptr),
                           InstanceAccessor("fd", &NetlinkSocket::Fd, nullptr),
                       });
  }

  // new NetlinkSocket(options, onRead)
  //   options: { protocol, netns?, groups?: number[], receiveBufferSize?, sendBufferSize?, noEnobufs?, extendedAck?,
  //              capAck?, strictCheck? }
  //   onRead(errno: number, data: Buffer | undefined): errno 0 with data = concatenated datagrams (each padded to
  //   4 bytes); errno != 0 reports a receive error (ENOBUFS: messages were lost) and the socket keeps working.
  NetlinkSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkSocket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "NetlinkSocket(options, onRead)").ThrowAsJavaScriptException();
      return;
    }
    Napi::Object opts = info[0].As<Napi::Object>();
    onRead_ = Napi::Persistent(info[1].As<Napi::Function>());
    int protocol = opts.Get("protocol").As<Napi::Number>().Int32Value();
    std::string netns;
    if (opts.Get("netns").IsString()) netns = opts.Get("netns").As<Napi::String>().Utf8Value();

    int err = 0;
    std::string step;
    fd_ = OpenSocketIn(netns, protocol, &err, &step);
    if (fd_ < 0) {
      ErrnoError(env, err, step).ThrowAsJavaScriptException();
      return;
    }
    struct sockaddr_nl local;
    memset(&local, 0, sizeof(local));
    local.nl_family = AF_NETLINK;
    if (bind(fd_, reinterpret_cast<struct sockaddr*>(&local), sizeof(local)) != 0) {
      Fail(env, "bind");
      return;
    }
    if (opts.Get("groups").IsArray()) {
      Napi::Array groups = opts.Get("groups").As<Napi::Array>();
      for (uint32_t i = 0; i < groups.Length(); i++) {
        int group = groups.Get(i).As<Napi::Number>().Int32Value();
        if (setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) != 0) {
          Fail(env, "NETLINK_ADD_MEMBERSHIP " + std::to_string(group));
          return;
        }
      }
    }
    if (opts.Get("receiveBufferSize").IsNumber()) {
      int size = opts.Get("receiveBufferSize").As<Napi::Number>().Int32Value();
      if (!SetBuffer(SO_RCVBUFFORCE, SO_RCVBUF, size)) {
        Fail(env, "SO_RCVBUF");
        return;
      }
    }
    if (opts.Get("sendBufferSize").IsNumber()) {
      int size = opts.Get("sendBufferSize").As<Napi::Number>().Int32Value();
      if (!SetBuffer(SO_SNDBUFFORCE, SO_SNDBUF, size)) {
        Fail(env, "SO_SNDBUF");
        return;
      }
    }
    if (!SetFlag(opts, "noEnobufs", NETLINK_NO_ENOBUFS, "NETLINK_NO_ENOBUFS") ||
        !SetFlag(opts, "extendedAck", NETLINK_EXT_ACK, "NETLINK_EXT_ACK") ||
        !SetFlag(opts, "capAck", NETLINK_CAP_ACK, "NETLINK_CAP_ACK") ||
        !SetFlag(opts, "strictCheck", NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK")) {
      return;
    }
    batch_.resize(kBatchBytes);
    napi_async_init(env, nullptr, Napi::String::New(env, "kroute:netlink"), &asyncContext_);
  }

  ~NetlinkSocket() override {
    CloseNow();
    if (asyncContext_ != nullptr) napi_async_destroy(Env(), asyncContext_);
  }

 private:
  void Fail(Napi::Env env, const std::string& what) {
    int err = errno;
    CloseNow();
    ErrnoError(env, err, what).ThrowAsJavaScriptException();
  }

  bool SetBuffer(int forced, int plain, int size) {
    // The FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN; unprivileged callers get what the sysctl
    // allows.
    if (setsockopt(fd_, SOL_SOCKET, forced, &size, sizeof(size)) == 0) return true;
    return setsockopt(fd_, SOL_SOCKET, plain, &size, sizeof(size)) == 0;
  }

  bool SetFlag(Napi::Object opts, const char* key, int option, const char* name) {
    Napi::Value v = opts.Get(key);
    if (!v.IsBoolean()) return true;
    int on = v.As<Napi::Boolean>().Value() ? 1 : 0;
    if (setsockopt(fd_, SOL_NETLINK, option, &on, sizeof(on)) != 0) {
      Fail(opts.Env(), name);
      return false;
    }
    return true;
  }

  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0) return true;
    ErrnoError(env, EBADF, "netlink socket is closed").ThrowAsJavaScriptException();
    return false;
  }

  // send(buffer | buffer[]): one sendmsg carrying every message in the buffer(s); returns the bytes sent.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    std::vector<struct iovec> iov;
    if (info[0].IsBuffer()) {
      Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
      iov.push_back({b.Data(), b.Length()});
    } else if (info[0].IsArray()) {
      Napi::Array arr = info[0].As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value item = arr.Get(i);
        if (!item.IsBuffer()) {
          Napi::TypeError::New(env, "send: array items must be Buffers").ThrowAsJavaScriptException();
          return env.Undefined();
        }
        Napi::Buffer<uint8_t> b = item.As<Napi::Buffer<uint8_t>>();
        iov.push_back({b.Data(), b.Length()});
      }
    } else {
      Napi::TypeError::New(env, "send(buffer | buffer[])").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = &kernel;
    msg.msg_namelen = sizeof(kernel);
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    ssize_t n;
    do {
      n = sendmsg(fd_, &msg, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      ErrnoError(env, errno, "sendmsg").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(n));
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (poll_ == nullptr) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      poll_ = new uv_poll_t;
      poll_->data = this;
      int rc = uv_poll_init(loop, poll_, fd_);
      if (rc != 0) {
        delete poll_;
        poll_ = nullptr;
        ErrnoError(env, -rc, "uv_poll_init").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      // Holds the JS object alive while libuv may call back into it.
      self_ = Napi::Persistent(Value());
    }
    int rc = uv_poll_start(poll_, UV_READABLE, &NetlinkSocket::OnPoll);
    if (rc != 0) ErrnoError(env, -rc, "uv_poll_start").ThrowAsJavaScriptException();
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) uv_poll_stop(poll_);
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseNow();
    return info.Env().Undefined();
  }

  Napi::Value Membership(const Napi::CallbackInfo& info, int option, const char* name) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    int group = info[0].As<Napi::Number>().Int32Value();
    if (setsockopt(fd_, SOL_NETLINK, option, &group, sizeof(group)) != 0) {
      ErrnoError(env, errno, std::string(name) + " " + std::to_string(group)).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  Napi::Value AddMembership(const Napi::CallbackInfo& info) {
    return Membership(info, NETLINK_ADD_MEMBERSHIP, "NETLINK_ADD_MEMBERSHIP");
  }

  Napi::Value DropMembership(const Napi::CallbackInfo& info) {
    return Membership(info, NETLINK_DROP_MEMBERSHIP, "NETLINK_DROP_MEMBERSHIP");
  }

  Napi::Value SetNoEnobufs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    int on = info[0].ToBoolean().Value() ? 1 : 0;
    if (setsockopt(fd_, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof(on)) != 0) {
      ErrnoError(env, errno, "NETLINK_NO_ENOBUFS").ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  Napi::Value PortId(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    struct sockaddr_nl local;
    socklen_t len = sizeof(local);
    if (getsockname(fd_, reinterpret_cast<struct sockaddr*>(&local), &len) != 0) {
      ErrnoError(env, errno, "getsockname").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, local.nl_pid);
  }

  Napi::Value ReceiveBufferSize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    int size = 0;
    socklen_t len = sizeof(size);
    if (getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, &len) != 0) {
      ErrnoError(env, errno, "getsockopt SO_RCVBUF").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, size);
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  void CloseNow() {
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    if (!self_.IsEmpty()) self_.Reset();
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    NetlinkSocket* self = static_cast<NetlinkSocket*>(handle->data);
    self->Drain(status, events);
  }

  // Reads datagrams until the socket is empty or the batch is full, then hands them to JS in one call.
  //
  // An overflow sets sk_err = ENOBUFS on the socket, which poll() reports as POLLERR. libuv turns POLLERR into a
  // UV_EBADF status and stops the poll handle (the npm `netlink` package dies right here). The fd is fine, though:
  // recv() returns the pending ENOBUFS once (clearing it) and then the queued datagrams. So on an error status we
  // read anyway, report what recv() says, and re-arm the poll handle unless the descriptor really is unusable.
  void Drain(int status, int /*events*/) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    size_t used = 0;
    int err = 0;
    bool overflow = false;
    int overflowReads = 0;
    while (fd_ >= 0 && batch_.size() - used >= kMaxDatagram) {
      ssize_t n = recv(fd_, batch_.data() + used, batch_.size() - used, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          // Consumed by this recv: the socket goes on delivering what is still queued. Bounded, in case the
          // kernel keeps overflowing us faster than we read.
          overflow = true;
          if (++overflowReads < kMaxOverflowReads) continue;
          break;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
        break;
      }
      if (static_cast<size_t>(n) > batch_.size() - used) {
        err = EMSGSIZE;  // datagram larger than our buffer: its tail is gone
        break;
      }
      size_t padded = (static_cast<size_t>(n) + 3) & ~static_cast<size_t>(3);
      memset(batch_.data() + used + n, 0, padded - n);
      used += padded;
    }
    if (status < 0 && fd_ >= 0 && poll_ != nullptr && err != EBADF) {
      uv_poll_start(poll_, UV_READABLE, &NetlinkSocket::OnPoll);
    }
    // Datagrams first: they were queued before the loss that ENOBUFS reports.
    if (used > 0) Deliver(env, 0, used);
    if (overflow && fd_ >= 0) Deliver(env, ENOBUFS, 0);
    if (err != 0 && fd_ >= 0) Deliver(env, err, 0);
  }

  void Deliver(Napi::Env env, int err, size_t used) {
    Napi::Value data = used > 0 ? Napi::Buffer<uint8_t>::Copy(env, batch_.data(), used).As<Napi::Value>()
                                : env.Undefined().As<Napi::Value>();
    Napi::Value recv = self_.IsEmpty() ? env.Undefined().As<Napi::Value>() : self_.Value().As<Napi::Value>();
    napi_value args[2] = {Napi::Number::New(env, err), data};
    napi_value result;
    napi_status st = napi_make_callback(env, asyncContext_, recv, onRead_.Value(), 2, args, &result);
    if (st == napi_pending_exception) {
      // A throwing JS handler becomes an ordinary uncaught exception, as with any other libuv callback.
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
  }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onRead_;
  Napi::ObjectReference self_;
  std::vector<uint8_t> batch_;
  napi_async_context asyncContext_ = nullptr;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("NetlinkSocket", NetlinkSocket::Init(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(kroute_netlink, InitModule)
