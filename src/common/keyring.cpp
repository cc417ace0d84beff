#include "common/keyring.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/crypto.hpp"

namespace mamori::crypto {
namespace {

std::string WrapAad(std::string_view key_id) { return "mamori data key " + std::string(key_id); }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Writes all of `data` to fd; false on a broken pipe or any other error.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

// --- FileMasterKey ---

FileMasterKey::FileMasterKey(std::string key32) : key_(std::move(key32)) {
  id_ = "file:" + HexEncode(HmacSha256(key_, "mamori master key id").substr(0, 8));
}

std::unique_ptr<FileMasterKey> FileMasterKey::FromBytes(std::string key32) {
  return std::unique_ptr<FileMasterKey>(new FileMasterKey(std::move(key32)));
}

Result<std::unique_ptr<FileMasterKey>> FileMasterKey::Load(const std::string& path) {
  // Wherever it is kept (often outside the data directory, whose modes `serve` checks), a
  // master key others may read is refused.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    return Error::Internal("マスター鍵ファイルは所有者だけが読めるようにしてください（chmod 600）: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Internal("マスター鍵ファイルを読めません: " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto key = Base64Decode(Trim(ss.str()));
  if (!key || key->size() != kAesKeySize)
    return Error::Internal("マスター鍵ファイルが壊れています（32バイトの鍵の base64 ではありません）: " + path);
  auto out = FromBytes(std::move(*key));
  out->path_ = path;
  return out;
}

Status FileMasterKey::Generate(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::exists(path)) return Error::Conflict("マスター鍵ファイルは既にあります: " + path);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Internal("マスター鍵ファイルを書けません: " + tmp);
  const std::string text = Base64Encode(RandomBytes(kAesKeySize)) + "\n";
  const bool ok = WriteAll(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error::Internal("マスター鍵ファイルを書けません: " + path);
  }
  return Ok();
}

Result<std::string> FileMasterKey::Wrap(std::string_view key_id, std::string_view data_key) const {
  MAMORI_ASSIGN(std::string sealed, SealAesGcm(key_, data_key, WrapAad(key_id)));
  return Base64Encode(sealed);
}

Result<std::string> FileMasterKey::Unwrap(std::string_view key_id, std::string_view wrapped) const {
  auto raw = Base64Decode(wrapped);
  if (!raw) return Error::Internal("wrapped data key " + std::string(key_id) + " is not base64");
  auto key = OpenAesGcm(key_, *raw, WrapAad(key_id));
  if (!key.ok() && !path_.empty()) {
    auto fresh = Load(path_);
    if (fresh.ok() && (*fresh)->id() != id_) return (*fresh)->Unwrap(key_id, wrapped);
  }
  if (!key.ok())
    return Error::Internal("データ鍵 " + std::string(key_id) + " をこのマスター鍵（" + id_ + "）で開けません");
  return key;
}

// --- CommandMasterKey ---

Result<std::string> CommandMasterKey::Run(const char* verb, std::string_view key_id, std::string_view input) const {
  // The key id is ours ([0-9a-z]), so it can be put on the command line as it is.
  for (char ch : key_id)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z'))) return Error::Internal("bad data key id");
  const std::string line = command_ + " " + verb + " " + std::string(key_id);
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Error::Internal("pipe");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return Error::Internal("pipe");
  }
  const pid_t pid = ::fork();
  if (pid < 0) return Error::Internal("fork");
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  // A KMS that exits without reading its input must not kill mamori with SIGPIPE.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  (void)WriteAll(in_pipe[1], std::string(input) + "\n");
  ::sigaction(SIGPIPE, &old, nullptr);
  ::close(in_pipe[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > 1 << 20) break;
  }
  ::close(out_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error::Internal(std::string("KMS コマンドが失敗しました（") + verb + "）");
  out = Trim(std::move(out));
  if (out.empty()) return Error::Internal(std::string("KMS コマンドの応答が空です（") + verb + "）");
  return out;
}

Result<std::string> CommandMasterKey::Wrap(std::string_view key_id, std::string_view data_key) const {
  return Run("wrap", key_id, Base64Encode(data_key));
}

Result<std::string> CommandMasterKey::Unwrap(std::string_view key_id, std::string_view wrapped) const {
  MAMORI_ASSIGN(std::string b64, Run("unwrap", key_id, wrapped));
  auto key = Base64Decode(b64);
  if (!key || key->size() != kAesKeySize)
    return Error::Internal("KMS コマンドの応答がデータ鍵（32バイトの base64）ではありません");
  return std::move(*key);
}

// --- sealed values ---

bool IsSealed(std::string_view text) { return text.substr(0, kSealedPrefix.size()) == kSealedPrefix; }

std::string SealedKeyId(std::string_view text) {
  if (!IsSealed(text)) return "";
  text.remove_prefix(kSealedPrefix.size());
  const size_t colon = text.find(':');
  return colon == std::string_view::npos ? "" : std::string(text.substr(0, colon));
}

Status KeyRing::Add(const std::string& id, std::string key32, bool current) {
  if (key32.size() != kAesKeySize) return Error::Internal("data key must be 32 bytes");
  if (id.empty() || id.find(':') != std::string::npos) return Error::Internal("bad data key id");
  std::unique_lock lock(mu_);
  keys_[id] = std::move(key32);
  if (current) current_ = id;
  return Ok();
}

bool KeyRing::Has(const std::string& id) const {
  std::shared_lock lock(mu_);
  return keys_.count(id) > 0;
}

std::string KeyRing::current() const {
  std::shared_lock lock(mu_);
  return current_;
}

std::vector<std::string> KeyRing::ids() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& kv : keys_) out.push_back(kv.first);
  return out;
}

bool KeyRing::empty() const {
  std::shared_lock lock(mu_);
  return keys_.empty();
}

Result<std::string> KeyRing::Seal(std::string_view plaintext, std::string_view aad) const {
  std::shared_lock lock(mu_);
  if (current_.empty()) return Error::Internal("no current data key");
  MAMORI_ASSIGN(std::string sealed, SealAesGcm(keys_.at(current_), plaintext, aad));
  std::string out(kSealedPrefix);
  out += current_;
  out += ':';
  out += Base64Encode(sealed);
  return out;
}

Result<std::string> KeyRing::Open(std::string_view sealed, std::string_view aad) const {
  if (!IsSealed(sealed)) return Error::Internal("not a sealed value");
  const std::string id = SealedKeyId(sealed);
  if (id.empty()) return Error::Internal("sealed value damaged");
  const std::string_view body = sealed.substr(kSealedPrefix.size() + id.size() + 1);
  auto raw = Base64Decode(body);
  if (!raw) return Error::Internal("sealed value damaged");
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return Error::NotFound("データ鍵 " + id);
  auto plain = OpenAesGcm(it->second, *raw, aad);
  if (!plain.ok()) return Error::Internal("封印された値を開けません（改ざん、別の場所からの移動、または鍵の不一致）");
  return plain;
}

}  // namespace mamori::crypto
