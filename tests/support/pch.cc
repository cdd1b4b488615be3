// The one object of outrider_test_pch, whose precompiled header every unit and integration test
// reuses (cmake/OutriderHelpers.cmake).
