// SPDX-License-Identifier: MIT
#pragma once

// The core's RouterConfig has a member named `slots` (router.slots, soft MoE), which is also a
// keyword macro of Qt (QT_NO_KEYWORDS is no way out: qcustomplot.h uses the keywords). Every app
// file includes this header before any core header that brings in scenario_config.h, so that
// the config is parsed once, with the macro out of the way, whatever Qt headers came before.
#pragma push_macro("slots")
#undef slots
#include "core/config/scenario_config.h"
#pragma pop_macro("slots")
