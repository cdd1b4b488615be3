#include "wire_head.h"

#include <charconv>

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;

void append(std::string& out, boost::beast::string_view text) {
  out.append(text.data(), text.size());
}

void appendVersion(std::string& out, unsigned version) {
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

void appendFields(const http::fields& fields, std::string& out) {
  for (const auto& field : fields) {
    append(out, field.name_string());
    out += ": ";
    append(out, field.value());
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace

void renderRequestHead(const http::request_header<>& header, std::string& out) {
  out.clear();
  append(out, header.method_string());
  out += ' ';
  append(out, header.target());
  out += ' ';
  appendVersion(out, header.version());
  out += "\r\n";
  appendFields(header, out);
}

void renderResponseHead(const http::response_header<>& header, std::string& out) {
  out.clear();
  appendVersion(out, header.version());
  char code[8];
  const auto [end, ec] = std::to_chars(code, code + sizeof(code), header.result_int());
  out += ' ';
  out.append(code, end);
  out += ' ';
  const auto reason = header.reason();
  append(out, reason.empty() ? http::obsolete_reason(header.result()) : reason);
  out += "\r\n";
  appendFields(header, out);
}

}  // namespace outrider::sidecar
