/// How strongly and when gaze is corrected.
public struct CorrectionSettings: Sendable, Equatable, Codable {
    /// 0 leaves every frame untouched, 1 moves the gaze fully onto the target; in between is proportional.
    public var intensity: Double
    /// Gaze (eyes plus head turn) up to this many degrees off the lens is corrected fully …
    public var fullCorrectionBelowDegrees: Double
    /// … and beyond this it is left alone, so a person who looks at someone is not dragged back.
    public var noCorrectionBeyondDegrees: Double
    /// The gaze is aimed this many degrees below the lens: perceived eye contact peaks slightly below it.
    public var targetBelowLensDegrees: Double

    public init(intensity: Double = 1, fullCorrectionBelowDegrees: Double = 20, noCorrectionBeyondDegrees: Double = 30,
                targetBelowLensDegrees: Double = 2) {
        self.intensity = intensity
        self.fullCorrectionBelowDegrees = fullCorrectionBelowDegrees
        self.noCorrectionBeyondDegrees = noCorrectionBeyondDegrees
        self.targetBelowLensDegrees = targetBelowLensDegrees
    }

    /// Describes the first setting that is out of range, or `nil` when all are usable.
    public var problem: String? {
        if !(0...1).contains(intensity) { return "intensity must be between 0 and 1 (got \(intensity))." }
        if !(0...90).contains(fullCorrectionBelowDegrees) || !(0...90).contains(noCorrectionBeyondDegrees) {
            return "look-away thresholds must be between 0 and 90 degrees."
        }
        if noCorrectionBeyondDegrees < fullCorrectionBelowDegrees {
            return "the no-correction threshold (\(noCorrectionBeyondDegrees)°) must not be below the full-correction one (\(fullCorrectionBelowDegrees)°)."
        }
        if !(-10...10).contains(targetBelowLensDegrees) { return "the target offset must be between -10 and 10 degrees." }
        return nil
    }
}
