#include "outrider/slo/canary/distributions.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace outrider::slo::canary {
namespace {

constexpr double Nan = std::numeric_limits<double>::quiet_NaN();
constexpr double Inf = std::numeric_limits<double>::infinity();

// a[0] + a[1] x + ... + a[7] x^7.
double poly7(const double (&a)[8], double x) {
  double value = a[7];
  for (int i = 6; i >= 0; --i) {
    value = value * x + a[i];
  }
  return value;
}

// AS241's three rational approximations: the centre (|p - 0.5| <= 0.425), the tails to
// exp(-25), and beyond.
constexpr double CentreA[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                               1.9715909503065514427e+3, 1.3731693765509461125e+4,
                               4.5921953931549871457e+4, 6.7265770927008700853e+4,
                               3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double CentreB[8] = {1.0,
                               4.2313330701600911252e+1,
                               6.8718700749205790830e+2,
                               5.3941960214247511077e+3,
                               2.1213794301586595867e+4,
                               3.9307895800092710610e+4,
                               2.8729085735721942674e+4,
                               5.2264952788528545610e+3};
constexpr double TailC[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                             5.76949722146069140550e0,  3.64784832476320460504e0,
                             1.27045825245236838258e0,  2.41780725177450611770e-1,
                             2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double TailD[8] = {1.0,
                             2.05319162663775882187e0,
                             1.67638483018380384940e0,
                             6.89767334985100004550e-1,
                             1.48103976427480074590e-1,
                             1.51986665636164571966e-2,
                             5.47593808499534494600e-4,
                             1.05075007164441684324e-9};
constexpr double FarE[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                            1.78482653991729133580e0,  2.96560571828504891230e-1,
                            2.65321895265761230930e-2, 1.24266094738807843860e-3,
                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double FarF[8] = {1.0,
                            5.99832206555887937690e-1,
                            1.36929880922735805310e-1,
                            1.48753612908506148525e-2,
                            7.86869131145613259100e-4,
                            1.84631831751005468180e-5,
                            1.42151175831644588870e-7,
                            2.04426310338993978564e-15};

// Student's t density, for the Newton steps.
double studentTDensity(double t, int df) {
  const double v = df;
  const double log_norm =
      std::lgamma((v + 1) / 2) - std::lgamma(v / 2) - 0.5 * std::log(v * std::numbers::pi);
  return std::exp(log_norm - (v + 1) / 2 * std::log1p(t * t / v));
}

// A&S 26.7.5: the t quantile as a series in 1/df around the normal quantile z.
double cornishFisher(double z, double v) {
  const double z2 = z * z;
  const double g1 = (z2 + 1) * z / 4;
  const double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

}  // namespace

double normalCdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double normalUpperTail(double z) { return 0.5 * std::erfc(z / std::numbers::sqrt2); }

double normalQuantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) {
    return Nan;
  }
  if (p == 0) {
    return -Inf;
  }
  if (p == 1) {
    return Inf;
  }
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * poly7(CentreA, r) / poly7(CentreB, r);
  }
  const double r = std::sqrt(-std::log(q < 0 ? p : 1 - p));
  double value = 0;
  if (r <= 5) {
    value = poly7(TailC, r - 1.6) / poly7(TailD, r - 1.6);
  } else {
    value = poly7(FarE, r - 5) / poly7(FarF, r - 5);
  }
  return q < 0 ? -value : value;
}

double studentTCdf(double t, int df) {
  if (df < 1 || std::isnan(t)) {
    return Nan;
  }
  if (std::isinf(t)) {
    return t > 0 ? 1 : 0;
  }
  // Past 10^5 degrees of freedom t is the normal to better than 1e-5, and the series grows long.
  if (df > 100000) {
    return normalCdf(t);
  }
  const double theta = std::atan(std::fabs(t) / std::sqrt(static_cast<double>(df)));
  const double s = std::sin(theta);
  const double c = std::cos(theta);
  const double c2 = c * c;
  double inside = 0;  // A(t|df) = P(|T| <= |t|)
  if (df % 2 == 1) {
    double sum = 0;
    double term = c;
    for (int k = 1; 2 * k + 1 <= df; ++k) {
      sum += term;
      term *= c2 * (2.0 * k) / (2.0 * k + 1);
    }
    inside = 2 / std::numbers::pi * (theta + s * sum);
  } else {
    double sum = 0;
    double term = 1;
    for (int k = 0; 2 * k + 2 <= df; ++k) {
      sum += term;
      term *= c2 * (2.0 * k + 1) / (2.0 * k + 2);
    }
    inside = s * sum;
  }
  return t >= 0 ? 0.5 + 0.5 * inside : 0.5 - 0.5 * inside;
}

double studentTQuantile(double p, int df) {
  if (df < 1 || std::isnan(p) || p <= 0 || p >= 1) {
    return Nan;
  }
  if (p < 0.5) {
    return -studentTQuantile(1 - p, df);
  }
  if (df == 1) {
    return std::tan(std::numbers::pi * (p - 0.5));
  }
  if (df == 2) {
    return (2 * p - 1) / std::sqrt(2 * p * (1 - p));
  }
  double t = cornishFisher(normalQuantile(p), df);
  for (int i = 0; i < 8; ++i) {
    const double step = (studentTCdf(t, df) - p) / studentTDensity(t, df);
    // p >= 0.5, so t >= 0: halve instead of stepping across 0 from a poor start.
    t = t - step > 0 ? t - step : t / 2;
    if (std::fabs(step) <= 1e-13 * std::fmax(1.0, std::fabs(t))) {
      break;
    }
  }
  return t;
}

}  // namespace outrider::slo::canary
