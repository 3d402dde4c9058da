"""政务服务好差评 simulator."""
