#include "outrider/faults/link_filter.h"

namespace outrider::faults {

bool affects(scenarios::Direction direction, Way way) {
  switch (direction) {
    case scenarios::Direction::Both:
      return true;
    case scenarios::Direction::Downstream:
      return way == Way::Down;
    case scenarios::Direction::Upstream:
      return way == Way::Up;
  }
  return false;
}

}  // namespace outrider::faults
