"""The memo channel meets the sopengine channel contract (fixtures from sopengine's pytest plugin)."""

from __future__ import annotations

import pytest

from sopengine.channels import ChannelContext, Target
from sopengine.testing import ChannelContract, TargetFactory
from sopengine_sample_memo import MemoChannel


class TestMemoContract(ChannelContract):
    @pytest.fixture
    def channel(self, channel_context: ChannelContext, channel_options: dict, tmp_path) -> MemoChannel:
        channel_options["dir"] = str(tmp_path)
        return MemoChannel(channel_context)

    @pytest.fixture
    def target(self, sample_target: TargetFactory) -> Target:
        return sample_target({"room": "ppt-camp"})
