/// Fixed-point text without Foundation's String(format:), which the launcher does
/// not link: `3.14159.decimalText(1)` is "3.1".
extension Double {
    func decimalText(_ digits: Int) -> String {
        guard isFinite else { return description }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = Int64(scaled / scale), fraction = Int64(scaled - Double(whole) * scale)
        let sign = self < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        let fractionText = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }
}

extension UInt8 {
    /// Two lower-case hex digits.
    var hexText: String { (self < 16 ? "0" : "") + String(self, radix: 16) }
}
