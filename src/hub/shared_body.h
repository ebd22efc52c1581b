// SharedBody: a Boost.Beast body whose bytes are shared, never copied, so a
// file of the web app is held once however many responses are sending it
// (500 connections that request the 1.4 MB script and never read cost 1.4 MB,
// not 700 MB). Beast's string_body would give each response its own copy.
//
//   http::response<SharedBody> res;
//   res.body() = std::make_shared<const std::string>("hello");
//   res.prepare_payload();
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace roundtable::hub {

struct SharedBody {
  // Null means empty.
  using value_type = std::shared_ptr<const std::string>;

  static std::uint64_t size(const value_type& body) { return body ? body->size() : 0; }

  // Beast's BodyWriter: hands the whole body to the serializer as one buffer.
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::system::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
      ec = {};
      if (!body_ || body_->empty()) return boost::none;
      return {{const_buffers_type(body_->data(), body_->size()), false}};
    }

   private:
    const value_type& body_;
  };
};

}  // namespace roundtable::hub
