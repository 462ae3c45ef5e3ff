#pragma once
// runJob: runs a function on a thread pool and returns a future of its Result. Nothing escapes the
// worker: every exception (std::exception and what derives from it, such as c10::Error or
// cv::Exception, and anything else) becomes an Error value with the reason.

#include "core/common/result.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QFuture>
#include <QtCore/QThreadPool>

#include <exception>
#include <type_traits>
#include <utility>

namespace fopro {

namespace detail {
template <typename T> struct IsResult : std::false_type {
};
template <typename T> struct IsResult<Result<T>> : std::true_type {
    using Value = T;
};
} // namespace detail

/// The Result type a job function produces: F's return type when it is a Result<T>, else
/// Result<F's return type> (a plain void function gives Result<void>).
template <typename F>
using JobResultOf = std::conditional_t<detail::IsResult<std::invoke_result_t<F>>::value, std::invoke_result_t<F>,
                                       Result<std::invoke_result_t<F>>>;

/// Calls `fn` on this thread, turning every exception into an Error (code Internal) whose detail
/// names `what` (a short description of the work, may be empty) and the exception's text.
template <typename F> JobResultOf<F> callGuarded(F &&fn, const QString &what = {})
{
    using R = JobResultOf<F>;
    const auto fail = [&what](const QString &reason) -> R {
        return R(makeError(ErrorCode::Internal, {}, what.isEmpty() ? reason : what + QStringLiteral(": ") + reason));
    };
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
            fn();
            return R();
        } else {
            return R(fn());
        }
    } catch (const std::bad_alloc &) {
        return fail(QStringLiteral("out of memory"));
    } catch (const std::exception &e) {
        return fail(QString::fromLocal8Bit(e.what()).section(QLatin1Char('\n'), 0, 0).trimmed());
    } catch (...) {
        return fail(QStringLiteral("unknown exception"));
    }
}

/// Runs `fn` on `pool` (the global pool when null) and returns the future of its Result.
template <typename F> QFuture<JobResultOf<F>> runJob(QThreadPool *pool, F fn, const QString &what = {})
{
    QThreadPool *p = pool ? pool : QThreadPool::globalInstance();
    return QtConcurrent::run(p, [fn = std::move(fn), what]() mutable { return callGuarded(fn, what); });
}

} // namespace fopro
