# Warnings and optimisation flags shared by every moelab target.

add_library(moe_warnings INTERFACE)
target_compile_options(moe_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wfloat-equal
  -Wsuggest-override -Wformat=2)
# GCC 12 at -O3 raises two known false positives inside its own headers: -Wmaybe-uninitialized
# in the AVX-512 intrinsics that Eigen's kernels inline under -march=native (the "__Y"
# temporaries), and -Wrestrict in std::string concatenation (GCC bug 105329). Neither is about
# moelab code, and neither can be silenced at the include site.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(moe_warnings INTERFACE
    $<$<CONFIG:Release,RelWithDebInfo>:-Wno-maybe-uninitialized -Wno-restrict>)
endif()
if(MOELAB_WERROR)
  target_compile_options(moe_warnings INTERFACE -Werror)
endif()

# -march=native is worth about 5x for Eigen on the target machines; portable packages turn it off.
if(MOELAB_NATIVE)
  add_compile_options($<$<CONFIG:Release,RelWithDebInfo>:-march=native>)
endif()
add_compile_options($<$<CONFIG:Release>:-O3>)

if(MOELAB_SANITIZE)
  string(REPLACE ";" "," _moe_sanitizers "${MOELAB_SANITIZE}")
  add_compile_options(-fsanitize=${_moe_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_moe_sanitizers})
endif()
